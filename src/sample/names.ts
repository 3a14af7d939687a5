/**
 * Synthetic names. Person names are random combinations of common surnames and given-name
 * characters; organisation names always contain `示例` ("example") so that no sample row can
 * be mistaken for a real registrant. Every character is in GBK.
 */
import type { Prng } from './prng.ts';
import type { Region } from './regions.ts';

/** Single-character surnames common in Fujian. */
export const SURNAMES = [...'陈林黄张吴王李刘郑杨蔡许叶谢洪邱曾苏游周庄江何罗高郭方卢朱詹'] as const;

/** Characters used in given names. */
export const GIVEN_NAME_CHARACTERS = [
  ...'明华国伟丽芳杰红军辉峰群强龙凤建文志平秀英玉兰金春海燕婷敏静晓宇浩鑫涛斌雪琳颖欣怡晨阳鹏俊超',
] as const;

/**
 * Variant forms that the same person's name takes in another system (traditional or
 * alternative character, GB 18030/GBK both encode them).
 */
export const VARIANT_CHARACTERS: Readonly<Record<string, string>> = {
  陈: '陳', 张: '張', 刘: '劉', 吴: '吳', 郑: '鄭', 杨: '楊', 许: '許', 叶: '葉', 谢: '謝', 苏: '蘇',
  罗: '羅', 卢: '盧', 华: '華', 国: '國', 伟: '偉', 丽: '麗', 杰: '傑', 红: '紅', 军: '軍',
  辉: '輝', 峰: '峯', 群: '羣', 强: '強', 龙: '龍', 凤: '鳳', 兰: '蘭', 鹏: '鵬', 涛: '濤',
};

/** A person's name: surname plus one or two given-name characters (about 70% two). */
export function personName(rng: Prng): string {
  const given = rng.chance(0.7) ? 2 : 1;
  let name = rng.pick(SURNAMES);
  for (let i = 0; i < given; i++) name += rng.pick(GIVEN_NAME_CHARACTERS);
  return name;
}

/** How a name was varied. */
export type NameVariantForm = 'spaced' | 'variantCharacter';

/**
 * The same person's name as another system writes it: either one character swapped for its
 * variant (`陈明` → `陳明`), or a space between surname and given name (`陈明` → `陈 明`).
 * Falls back to the spaced form when no character has a variant.
 */
export function nameVariant(name: string, rng: Prng): { name: string; form: NameVariantForm } {
  const chars = [...name];
  const swappable = chars.map((c, i) => (VARIANT_CHARACTERS[c] && VARIANT_CHARACTERS[c] !== c ? i : -1)).filter((i) => i >= 0);
  if (swappable.length > 0 && rng.chance(0.5)) {
    const i = rng.pick(swappable);
    chars[i] = VARIANT_CHARACTERS[chars[i]!]!;
    return { name: chars.join(''), form: 'variantCharacter' };
  }
  return { name: `${chars[0]} ${chars.slice(1).join('')}`, form: 'spaced' };
}

const TRADE_WORDS = [
  ...'恒信 华誉 鑫源 融通 立德 佳和 汇丰 启明 博远 宏达 中正 诚达 瑞丰 嘉禾 天成 永安 安信 新元 海峡 闽江 武夷 东方 同创 泰和 益民 长青 致远 合力 智联 正清'.split(' '),
];
const ENTERPRISE_TRADES = ['科技', '贸易', '建设工程', '信息技术', '物业管理', '商贸', '医药', '环保科技', '文化传媒', '食品'];
const AGENCY_TRADES = ['财务咨询', '代理记账', '会计服务', '财税服务'];

/** What kind of organisation a name is for. */
export type OrganisationNameKind = 'enterprise' | 'agency' | 'publicInstitution' | 'privateNonEnterprise' | 'farmersCooperative';

const shortCity = (region: Region): string => region.cityName.replace(/市$/, '');

/**
 * A synthetic organisation name, e.g. `福州示例恒信科技有限公司`, `福州示例恒信财务咨询有限公司`,
 * `鼓楼区示例恒信服务中心`, `福州示例恒信职业培训学校`, `闽侯县示例恒信种植专业合作社`.
 */
export function organisationName(rng: Prng, kind: OrganisationNameKind, region: Region): string {
  const word = rng.pick(TRADE_WORDS);
  switch (kind) {
    case 'enterprise':
      return `${shortCity(region)}示例${word}${rng.pick(ENTERPRISE_TRADES)}有限公司`;
    case 'agency':
      return `${shortCity(region)}示例${word}${rng.pick(AGENCY_TRADES)}有限公司`;
    case 'publicInstitution':
      return `${region.name}示例${word}服务中心`;
    case 'privateNonEnterprise':
      return `${shortCity(region)}示例${word}职业培训学校`;
    case 'farmersCooperative':
      return `${region.name}示例${word}种植专业合作社`;
  }
}
