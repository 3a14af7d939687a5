# A throw-away certificate authority for a local test server (sourced, not run): one CA, a server
# certificate for 127.0.0.1 / localhost and a client certificate, all signed by that CA, written as
# PEM with openssl. Used by scripts/kafka.sh for its SASL_SSL listener. Nothing here is fit for
# anything but tests on one machine: the keys are unencrypted and the CA key is deleted once the
# certificates are signed, so nothing more can ever be signed by it.
#
# ensure_test_ca DIR LABEL (LABEL names the CA, e.g. "kafka.sh default") writes, when any is missing or expires within a day (then all are made
# again, since a new CA invalidates the old certificates):
#   DIR/ca.pem            the CA certificate: what clients trust (KAFKA_SSL_CA_FILE)
#   DIR/server.pem        the server's private key (PKCS#8) followed by its certificate, the form of
#                         a PEM keystore (Kafka's ssl.keystore.type=PEM, KIP-651)
#   DIR/client-cert.pem   a client certificate (extendedKeyUsage clientAuth) for mutual TLS
#   DIR/client-key.pem    its private key (PKCS#8), mode 600
# Keys are ECDSA P-256 (prime256v1): made in milliseconds, unlike RSA, and accepted by Java and Node.
# Certificates are valid for 10 years; the server's names are IP:127.0.0.1 and DNS:localhost, which
# is what clients verify (RFC 6125; Node's checkServerIdentity).
#
# Needs openssl (1.1.1 or 3.x). Calls the sourcing script's `say` and `die`.
# shellcheck shell=bash

TEST_CA_DAYS=3650

# True when every file is there and no certificate expires within a day.
test_ca_valid() {
  local dir="$1" f
  for f in ca.pem server.pem client-cert.pem client-key.pem; do
    [[ -s "$dir/$f" ]] || return 1
  done
  for f in ca.pem server.pem client-cert.pem; do
    openssl x509 -in "$dir/$f" -noout -checkend 86400 >/dev/null 2>&1 || return 1
  done
}

# Signs a new key's certificate with the CA in $dir: test_ca_sign DIR NAME SUBJECT EXTENSIONS.
# Writes DIR/NAME.key and DIR/NAME.crt.
test_ca_sign() {
  local dir="$1" name="$2" subject="$3" extensions="$4"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject" 2>>"$dir/openssl.log"
  printf '%s\n' "$extensions" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$TEST_CA_DAYS" -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>>"$dir/openssl.log"
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

ensure_test_ca() {
  local dir="$1" label="$2"
  command -v openssl >/dev/null || die "openssl not found: the TLS listener needs it for its test certificates (apt-get install openssl)"
  test_ca_valid "$dir" && return 0
  say "making a test CA and certificates in $dir"
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  chmod 700 "$dir.tmp"
  local tmp="$dir.tmp"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days "$TEST_CA_DAYS" -sha256 \
      -subj "/O=onecode/CN=onecode test CA (${label//\//-})" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$tmp/openssl.log" &&
      test_ca_sign "$tmp" server "/O=onecode/CN=localhost" \
        $'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth' &&
      test_ca_sign "$tmp" client "/O=onecode/CN=onecode test client" \
        $'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=clientAuth'
  } || { tail -n 20 "$tmp/openssl.log" >&2; rm -rf "$tmp"; die "openssl could not make the test certificates (its messages above)"; }
  cat "$tmp/server.key" "$tmp/server.crt" >"$tmp/server.pem"
  mv "$tmp/client.crt" "$tmp/client-cert.pem"
  mv "$tmp/client.key" "$tmp/client-key.pem"
  rm -f "$tmp/ca.key" "$tmp/ca.srl" "$tmp/server.key" "$tmp/server.crt" "$tmp/openssl.log"
  chmod 600 "$tmp"/*
  chmod 644 "$tmp/ca.pem" "$tmp/client-cert.pem"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}
