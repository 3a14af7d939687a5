/**
 * Issue 10, first step: the masks, HMAC-SM3 pseudonyms, the key file and the exit policies of
 * personal values (src/protect/). Values are synthetic (tests/support/csv-files.ts personId).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile, readKeyFileNamedBy } from '../../src/protect/key-file.ts';
import { maskAddress, maskBirthDate, maskIdNumber, maskPersonName, maskPhone } from '../../src/protect/masks.ts';
import { protectValue } from '../../src/protect/policy.ts';
import { pseudonymise } from '../../src/protect/pseudonymise.ts';
import { personId } from '../support/csv-files.ts';

/** HMAC (RFC 2104) over SM3 built from the hash alone, block size 64 bytes: an independent check of Node's createHmac('sm3'). */
function hmacSm3(key: Buffer, message: string): string {
  const sm3 = (data: Buffer) => createHash('sm3').update(data).digest();
  const k = key.length > 64 ? sm3(key) : key;
  const block = Buffer.concat([k, Buffer.alloc(64 - k.length)]);
  const xor = (pad: number) => Buffer.from(block.map((b) => b ^ pad));
  return sm3(Buffer.concat([xor(0x5c), sm3(Buffer.concat([xor(0x36), Buffer.from(message, 'utf8')]))])).toString('hex');
}

describe('SM3 and HMAC-SM3', () => {
  it('SM3 of "abc" is the GB/T 32905-2016 Appendix A example', () => {
    expect(createHash('sm3').update('abc').digest('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('a pseudonym is p_ and the first 32 hex characters of HMAC-SM3, stable, and differs by key', () => {
    const key = Buffer.alloc(32, 7);
    const id = personId(1);
    expect(pseudonymise(id, key)).toBe(`p_${hmacSm3(key, id).slice(0, 32)}`);
    expect(pseudonymise(id, key)).toBe(pseudonymise(id, Buffer.alloc(32, 7)));
    expect(pseudonymise(id, Buffer.alloc(32, 8))).not.toBe(pseudonymise(id, key));
    expect(pseudonymise(personId(2), key)).not.toBe(pseudonymise(id, key));
    expect(() => pseudonymise(id, Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('masks', () => {
  it('an ID number keeps its region code and check character', () => {
    const id = personId(1);
    expect(maskIdNumber(id)).toBe(`${id.slice(0, 6)}***********${id[17]}`);
    expect(maskIdNumber('12345')).toBe('*****');
  });

  it('a name keeps its surname, a compound surname whole', () => {
    expect(maskPersonName('陈明')).toBe('陈*');
    expect(maskPersonName('欧阳娜娜')).toBe('欧阳**');
    expect(maskPersonName('司马光')).toBe('司马*');
    expect(maskPersonName('王')).toBe('*');
    expect(maskPersonName('𠀋明')).toBe('𠀋*');
  });

  it('a phone keeps its first 3 and last 4 digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('0591-87654321')).toBe('059*-****4321');
    expect(maskPhone('110')).toBe('***');
  });

  it('an address keeps its first 6 characters; a birth date its year', () => {
    expect(maskAddress('福建省福州市鼓楼区五四路1号')).toBe('福建省福州市********');
    expect(maskBirthDate('1985-03-17')).toBe('1985-**-**');
    expect(maskBirthDate('1985年')).toBe('*****');
  });
});

describe('exit policies', () => {
  it('clear, mask, pseudonymise and drop, null staying null', () => {
    const key = Buffer.alloc(16, 1);
    const id = personId(3);
    expect(protectValue(id, 'id_number', 'clear')).toBe(id);
    expect(protectValue(id, 'id_number', 'mask')).toBe(maskIdNumber(id));
    expect(protectValue(id, 'id_number', 'pseudonymise', key)).toBe(pseudonymise(id, key));
    expect(protectValue(id, 'id_number', 'drop')).toBeUndefined();
    expect(protectValue(null, 'phone', 'mask')).toBeNull();
    expect(() => protectValue(id, 'id_number', 'pseudonymise')).toThrow(/needs a key/);
  });
});

describe('the key file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-key-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string, mode: number) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    await chmod(file, mode);
    return file;
  };

  it('reads one line of hex from a file only its owner can read', async () => {
    const hex = 'ab'.repeat(32);
    expect((await readKeyFile(await write('ok.key', `${hex}\n`, 0o600))).toString('hex')).toBe(hex);
  });

  it('refuses a file others can read, a short or non-hex key, a missing file — naming the file, never the key', async () => {
    const secret = 'cd'.repeat(32);
    const open = readKeyFile(await write('open.key', secret, 0o644));
    await expect(open).rejects.toThrow(/open\.key: the key file is readable by others \(mode 644\): chmod 600 it/);
    await expect(open).rejects.not.toThrow(secret);
    await expect(readKeyFile(await write('short.key', 'abcd', 0o600))).rejects.toThrow(/at least 32 characters/);
    await expect(readKeyFile(await write('text.key', 'not hex at all, not hex at all, no', 0o600))).rejects.toThrow(/one line of hex/);
    await expect(readKeyFile(path.join(dir, 'missing.key'))).rejects.toThrow(/missing\.key: cannot read the key file \(ENOENT\)/);
  });

  it('reads the file an environment variable names, with that key\'s least length, naming the variable in every message', async () => {
    const hex = 'ef'.repeat(32);
    const file = await write('named.key', hex, 0o600);
    expect(await readKeyFileNamedBy('SOME_KEY_FILE', { env: {} })).toBeUndefined();
    expect(await readKeyFileNamedBy('SOME_KEY_FILE', { env: { SOME_KEY_FILE: '' } })).toBeUndefined();
    const found = await readKeyFileNamedBy('SOME_KEY_FILE', { env: { SOME_KEY_FILE: file }, minBytes: 32 });
    expect({ file: found?.file, key: found?.key.toString('hex') }).toEqual({ file, key: hex });
    const short = await write('named-short.key', 'ab'.repeat(16), 0o600);
    await expect(readKeyFileNamedBy('SOME_KEY_FILE', { env: { SOME_KEY_FILE: short }, minBytes: 32 })).rejects.toThrow(
      `${short} (SOME_KEY_FILE): a key file holds one line of hex, at least 64 characters (openssl rand -hex 32)`,
    );
    expect((await readKeyFileNamedBy('SOME_KEY_FILE', { env: { SOME_KEY_FILE: short } }))?.key.length).toBe(16);
    await expect(readKeyFileNamedBy('SOME_KEY_FILE', { env: { SOME_KEY_FILE: path.join(dir, 'gone.key') } })).rejects.toThrow(/gone\.key \(SOME_KEY_FILE\): cannot read the key file \(ENOENT\)/);
  });
});
