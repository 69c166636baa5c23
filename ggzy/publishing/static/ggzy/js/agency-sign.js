/* Signing an agency notice in the browser (page /manage/agency/notices/<id>/).
 *
 * Fetches the canonical bytes the server will verify (ggzy-notice/1, docs/formats/notice-signature.md)
 * and signs them with the agency's private key, then puts the DER signature (base64) and the
 * certificate (PEM) into the hidden fields of the submit form. The key file inputs have no name and
 * sit outside the form: the key never leaves the browser.
 *
 * Which signer — SM2/SM3 for an SM2 (国密) certificate through GgzySealing, RSA or ECDSA P-256
 * through GgzyCertSign (WebCrypto) otherwise — is decided by GgzyCertSigner (cert-signer.js, shared
 * with tender-file signing). The server verifies either with the certificate chain (ADR 0028, 0030).
 */
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  var button = document.getElementById("btn-sign-browser");
  var status = document.getElementById("sign-status");
  if (!form || !button || !status) {
    return;
  }

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "alert alert-error" : "alert alert-success";
    status.hidden = false;
  }

  // ---------------------------------------------------------------- the click

  async function canonicalBytes() {
    var response = await fetch(form.dataset.canonicalUrl, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      throw new Error("无法获取签名原文（HTTP " + response.status + "）");
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  async function signHere() {
    var keyInput = document.getElementById("sign-key");
    var certInput = document.getElementById("sign-cert");
    var passwordInput = document.getElementById("sign-password");
    if (!window.GgzyCertSigner) {
      say("浏览器签名组件未能加载，请刷新页面，或改用命令行签名后上传签名文件。", true);
      return;
    }
    if (!keyInput.files || keyInput.files.length === 0) {
      say("请选择私钥文件（.pem / .key / .p12）。", true);
      return;
    }
    button.disabled = true;
    say("正在签名……");
    try {
      var signed = await window.GgzyCertSigner.sign({
        keyFile: keyInput.files[0],
        certFile: certInput.files && certInput.files.length ? certInput.files[0] : null,
        password: passwordInput && passwordInput.value ? passwordInput.value : undefined,
        data: canonicalBytes,
        cliHint: "或改用方式二（命令行签名后上传签名文件）"
      });
      var pem = signed.certificatePem, signature = signed.signature, algorithm = signed.algorithm;
      form.elements.namedItem("certificate_pem").value = pem;
      form.elements.namedItem("signature_b64").value = window.GgzyCertSigner.base64(signature);
      status.dataset.algorithm = algorithm;
      if (passwordInput) {
        passwordInput.value = "";
      }
      say("已在本机完成签名（" + algorithm + "，私钥未上传）。请点击“签名提交”。");
      var submit = document.getElementById("btn-submit");
      if (submit) {
        submit.focus();
      }
    } catch (error) {
      form.elements.namedItem("certificate_pem").value = "";
      form.elements.namedItem("signature_b64").value = "";
      say("签名失败：" + (error && error.message ? error.message : String(error)), true);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", function () {
    signHere();
  });
})();
