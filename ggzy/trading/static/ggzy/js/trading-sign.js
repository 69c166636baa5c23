/* Signing a tender file or clarification in the browser (/manage/trading/sections/<id>/).
 *
 * For each <fieldset data-sign-for="FORM_ID">: reads the file chosen in that form's file input,
 * signs its bytes with the publisher's private key and puts the DER signature (base64) and the
 * certificate (PEM) into the form's hidden fields. GgzyCertSigner (cert-signer.js, shared with agency
 * notice signing) picks the signer from the certificate: SM2/SM3 with the default user id for an SM2
 * (国密) certificate, through GgzySealing; RSA or ECDSA P-256 with SHA-256 otherwise, through
 * GgzyCertSign (WebCrypto). The server verifies what the command line would make (openssl dgst
 * -sha256, or -sm3 -sigopt distid:1234567812345678). The key inputs have no name and sit outside the
 * form: the key never leaves the browser. Choosing another file clears the signature.
 */
(function () {
  "use strict";

  function setUp(box) {
    var form = document.getElementById(box.dataset.signFor);
    if (!form) {
      return;
    }
    var button = box.querySelector(".sign-button");
    var status = box.querySelector(".sign-status");
    var fileInput = form.querySelector("input[type=file][name$='-file']");
    var sigField = form.querySelector("input[name$='-signature_b64']");
    var certField = form.querySelector("input[name$='-certificate_pem']");

    function say(text, bad) {
      status.textContent = text;
      status.className = "sign-status " + (bad ? "alert alert-error" : "alert alert-success");
      status.hidden = false;
    }

    function clear() {
      sigField.value = "";
      certField.value = "";
      delete status.dataset.algorithm;
    }

    if (fileInput) {
      fileInput.addEventListener("change", function () {
        clear();
        status.hidden = true;
      });
    }

    async function signHere() {
      var keyInput = box.querySelector(".sign-key");
      var certInput = box.querySelector(".sign-cert");
      var passwordInput = box.querySelector(".sign-password");
      if (!window.GgzyCertSigner) {
        say("浏览器签名组件未能加载，请刷新页面，或用命令行签名后上传签名文件。", true);
        return;
      }
      if (!fileInput || !fileInput.files || fileInput.files.length === 0) {
        say("请先选择要上传的文件。", true);
        return;
      }
      if (!keyInput.files || keyInput.files.length === 0) {
        say("请选择私钥文件（.pem / .key / .p12）。", true);
        return;
      }
      var file = fileInput.files[0];
      button.disabled = true;
      clear();
      say("正在签名……");
      try {
        var signed = await window.GgzyCertSigner.sign({
          keyFile: keyInput.files[0],
          certFile: certInput.files && certInput.files.length ? certInput.files[0] : null,
          password: passwordInput && passwordInput.value ? passwordInput.value : undefined,
          data: async function () {
            try {
              return new Uint8Array(await file.arrayBuffer());
            } catch (e) {
              throw new Error("无法读取要上传的文件，请重新选择");
            }
          },
          cliHint: "或用命令行签名后上传签名文件"
        });
        sigField.value = window.GgzyCertSigner.base64(signed.signature);
        certField.value = signed.certificatePem;
        status.dataset.algorithm = signed.algorithm;
        if (passwordInput) {
          passwordInput.value = "";
        }
        say("已在本机完成签名（" + signed.algorithm + "，私钥未上传）。请点击上传/发布。");
      } catch (error) {
        clear();
        say("签名失败：" + (error && error.message ? error.message : String(error)), true);
      } finally {
        button.disabled = false;
      }
    }

    button.addEventListener("click", function () {
      signHere();
    });
  }

  var boxes = document.querySelectorAll("fieldset[data-sign-for]");
  for (var i = 0; i < boxes.length; i += 1) {
    setUp(boxes[i]);
  }
})();
