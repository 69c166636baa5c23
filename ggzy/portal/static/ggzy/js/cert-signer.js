/* cert-signer.js — sign bytes in the browser with the key of an organisation's certificate, whatever
 * the certificate's algorithm. Shared by agency notice signing (agency-sign.js) and tender-file
 * signing (trading-sign.js); load after sealing.js (over the vendored sm-crypto-v2) and certsign.js.
 *
 *   window.GgzyCertSigner.sign({keyFile, certFile, password, data, cliHint})
 *       -> Promise<{signature: Uint8Array, certificatePem: string, algorithm: string}>
 *     keyFile: File (the private key; never uploaded), certFile: File or null, password: string or
 *     undefined, data: async () => Uint8Array (asked for only once the key is known to fit, so a
 *     page fetching its bytes does not fetch them for nothing), cliHint: how the page's command-line
 *     path is called, for the "component did not load" message.
 *     algorithm is "SM2 / SM3", "ECDSA P-256 / SHA-256" or "RSA / SHA-256" — what the server shows.
 *     Errors are Error objects with a Chinese message, ready to show after "签名失败：".
 *   window.GgzyCertSigner.base64(Uint8Array) -> string
 *
 * Which signer: the certificate decides. An SM2 (国密) certificate — its SubjectPublicKeyInfo names
 * the SM2 curve — is signed with SM2/SM3 and the user id 1234567812345678 through GgzySealing
 * (WebCrypto has no SM2), after checking that the key file's public key is the certificate's. Any
 * other certificate (RSA, ECDSA P-256), or a PKCS#12 file without a separate certificate, goes
 * through GgzyCertSign (WebCrypto, non-extractable key). The server verifies either with
 * ggzy.sealing.certs.verify_signature and the certificate chain (ADR 0028, 0030), exactly as it
 * verifies a signature made on the command line.
 */
(function () {
  "use strict";

  var MAX_FILE = 1024 * 1024;
  // 1.2.156.10197.1.301 (sm2p256v1), as a DER OBJECT IDENTIFIER
  var OID_SM2_CURVE = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
  var NOT_SM2_KEY = "所选私钥不是 SM2（国密）私钥，与所选 SM2 证书不匹配：请选择该证书对应的 SM2 私钥文件";
  var WRONG_KEY = "私钥与证书不匹配：所选私钥不是该证书的私钥，请选择与证书配对的私钥文件";
  var UNREADABLE_SM2_KEY = "无法读取私钥文件：请选择 SM2 私钥文件（PKCS#8 或 SEC1 格式的 PEM/DER，可带密码保护）";

  function base64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text);
  }

  function pemToDer(pem) {
    var body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    var text = window.atob(body);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) {
      out[i] = text.charCodeAt(i);
    }
    return out;
  }

  // ---------------------------------------------------------------- the certificate's key

  function readTlv(buf, at, limit) {
    if (at + 2 > limit) throw new Error("der");
    var tag = buf[at], len = buf[at + 1], head = 2;
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3 || at + 2 + n > limit) throw new Error("der");
      len = 0;
      for (var i = 0; i < n; i += 1) len = len * 256 + buf[at + 2 + i];
      head += n;
    }
    if (at + head + len > limit) throw new Error("der");
    return { tag: tag, start: at + head, end: at + head + len };
  }

  function childrenOf(buf, t) {
    var out = [], p = t.start;
    while (p < t.end) {
      var c = readTlv(buf, p, t.end);
      out.push(c);
      p = c.end;
    }
    return out;
  }

  function contains(haystack, needle) {
    outer: for (var i = 0; i + needle.length <= haystack.length; i += 1) {
      for (var j = 0; j < needle.length; j += 1) {
        if (haystack[i + j] !== needle[j]) continue outer;
      }
      return true;
    }
    return false;
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
    return true;
  }

  // The SM2 public point (65 bytes, 04‖x‖y) of an SM2 certificate; null for any other key type.
  function sm2PointOf(certDer) {
    var parts;
    try {
      var cert = readTlv(certDer, 0, certDer.length);
      var tbs = childrenOf(certDer, cert)[0];
      if (cert.tag !== 0x30 || tbs.tag !== 0x30) throw new Error("der");
      var fields = childrenOf(certDer, tbs);
      var at = fields[0].tag === 0xa0 ? 1 : 0;  // [0] version is optional
      var spki = fields[at + 5];  // serialNumber, signature, issuer, validity, subject, SPKI
      parts = childrenOf(certDer, spki);
      if (spki.tag !== 0x30 || parts.length !== 2 || parts[0].tag !== 0x30 || parts[1].tag !== 0x03) {
        throw new Error("der");
      }
    } catch (e) {
      throw new Error("无法读取证书文件（证书格式错误）");
    }
    if (!contains(certDer.subarray(parts[0].start, parts[0].end), OID_SM2_CURVE)) return null;
    var bits = certDer.subarray(parts[1].start, parts[1].end);
    if (bits.length !== 66 || bits[0] !== 0 || bits[1] !== 4) throw new Error("无法读取证书文件（SM2 公钥格式错误）");
    return bits.subarray(1);
  }

  async function readCertificate(file) {
    try {
      return await window.GgzyCertSign.loadCertificate(file);
    } catch (error) {
      throw new Error("无法读取证书文件：" + (error && error.message ? error.message : "格式错误"));
    }
  }

  // ---------------------------------------------------------------- SM2 (GgzySealing)

  function smReady() {
    var S = window.GgzySealing;
    return !!(S && S.smAvailable && S.smAvailable() && S.sign && S.importPrivateKeyFile);
  }

  function sealing(cliHint) {
    if (!smReady()) {
      throw new Error("国密（SM2）签名组件未能加载，请刷新页面，" + cliHint);
    }
    return window.GgzySealing;
  }

  // Is this a key file certsign.js reads (RSA or P-256)? Only to say why it does not fit an SM2
  // certificate instead of "unreadable".
  async function isOtherSuiteKey(file, password) {
    try {
      await window.GgzyCertSign.loadKey(file, password);
      return true;
    } catch (e) {
      return false;
    }
  }

  async function loadSm2Key(S, file, password) {
    if (file.size > MAX_FILE) throw new Error("文件过大，不像是私钥文件");
    var bytes = new Uint8Array(await file.arrayBuffer());
    var keys;
    try {
      keys = await S.importPrivateKeyFile(bytes, password);
    } catch (error) {
      if (await isOtherSuiteKey(file, password)) throw new Error(NOT_SM2_KEY);
      // sealing.js only mentions P-256 when the file was not an SM2 key at all (its WebCrypto
      // fallback failed); its other messages (wrong password, password missing, bad SM2 key) fit.
      if (error && /P-256/.test(error.message || "")) throw new Error(UNREADABLE_SM2_KEY);
      throw error;
    }
    if (keys.suite !== "sm") throw new Error(NOT_SM2_KEY);
    return keys;
  }

  // Is this an SM2 key file? Only to say "choose its certificate" instead of "unsupported key".
  async function isSm2KeyFile(file, password) {
    if (!smReady() || file.size > MAX_FILE) return false;
    try {
      var keys = await window.GgzySealing.importPrivateKeyFile(new Uint8Array(await file.arrayBuffer()), password);
      return keys.suite === "sm";
    } catch (e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- the one entry point

  async function sign(options) {
    var keyFile = options.keyFile;
    var certFile = options.certFile || null;
    var password = options.password || undefined;
    var cliHint = options.cliHint || "或用命令行签名后上传签名文件";
    if (!window.GgzyCertSign) {
      throw new Error("浏览器签名组件未能加载，请刷新页面，" + cliHint);
    }
    var pem = certFile ? await readCertificate(certFile) : null;
    var point = pem ? sm2PointOf(pemToDer(pem)) : null;
    if (point) {
      var S = sealing(cliHint);
      var keys = await loadSm2Key(S, keyFile, password);
      if (!sameBytes(keys.publicKey.point, point)) throw new Error(WRONG_KEY);
      return { signature: await S.sign(keys.privateKey, await options.data()), certificatePem: pem, algorithm: "SM2 / SM3" };
    }
    var loaded;
    try {
      loaded = await window.GgzyCertSign.loadKey(keyFile, password);
    } catch (error) {
      if (!certFile && (await isSm2KeyFile(keyFile, password))) {
        throw new Error("SM2（国密）私钥须同时选择对应的证书文件（.pem / .cer / .crt）");
      }
      if (certFile && (await isSm2KeyFile(keyFile, password))) {
        throw new Error("所选私钥是 SM2（国密）私钥，而所选证书不是 SM2 证书：请选择该私钥对应的 SM2 证书");
      }
      throw error;
    }
    pem = loaded.certificatePem || pem;
    if (!pem) {
      throw new Error("请选择与私钥对应的证书文件（.pem / .cer / .crt）");
    }
    var signature = await window.GgzyCertSign.sign(loaded.key, await options.data());
    var algorithm = loaded.key.algorithm.name === "ECDSA" ? "ECDSA P-256 / SHA-256" : "RSA / SHA-256";
    return { signature: signature, certificatePem: pem, algorithm: algorithm };
  }

  window.GgzyCertSigner = { sign: sign, base64: base64 };
})();
