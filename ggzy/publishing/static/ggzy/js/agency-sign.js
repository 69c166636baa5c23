/* Signing an agency notice in the browser (page /manage/agency/notices/<id>/).
 *
 * Fetches the canonical bytes the server will verify, signs them with the agency's private key
 * through GgzyCertSign (certsign.js: WebCrypto, non-extractable key), and puts the DER signature
 * (base64) and the certificate (PEM) into the hidden fields of the submit form. The key file
 * inputs have no name and sit outside the form: the key never leaves the browser.
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

  function base64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text);
  }

  async function signHere() {
    var keyInput = document.getElementById("sign-key");
    var certInput = document.getElementById("sign-cert");
    var passwordInput = document.getElementById("sign-password");
    if (!window.GgzyCertSign) {
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
      var password = passwordInput && passwordInput.value ? passwordInput.value : undefined;
      var loaded = await window.GgzyCertSign.loadKey(keyInput.files[0], password);
      var pem = loaded.certificatePem;
      if (!pem) {
        if (!certInput.files || certInput.files.length === 0) {
          throw new Error("请选择与私钥对应的证书文件（.pem / .cer / .crt）");
        }
        pem = await window.GgzyCertSign.loadCertificate(certInput.files[0]);
      }
      var response = await fetch(form.dataset.canonicalUrl, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        throw new Error("无法获取签名原文（HTTP " + response.status + "）");
      }
      var data = new Uint8Array(await response.arrayBuffer());
      var signature = await window.GgzyCertSign.sign(loaded.key, data);
      form.elements.namedItem("certificate_pem").value = pem;
      form.elements.namedItem("signature_b64").value = base64(signature);
      say("已在本机完成签名（私钥未上传）。请点击“签名提交”。");
      var submit = document.getElementById("btn-submit");
      if (submit) {
        submit.focus();
      }
    } catch (error) {
      say("签名失败：" + (error && error.message ? error.message : String(error)), true);
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", function () {
    signHere();
  });
})();
