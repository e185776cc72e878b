/*
 * caddy-iamport sandbox: an imitation of PortOne's V2 browser SDK
 * (https://cdn.portone.io/v2/browser-sdk.js) for identity verification only.
 *
 * It defines the same global, PortOne, with the same call:
 *   PortOne.requestIdentityVerification({ storeId, identityVerificationId,
 *     channelKey, redirectUrl, windowType, forceRedirect, ... })
 * which returns a Promise and opens the sandbox's verification window instead
 * of a provider's:
 *   - in a popup window on a PC (windowType.pc, default POPUP); the promise
 *     resolves to { transactionType: "IDENTITY_VERIFICATION",
 *     identityVerificationId, identityVerificationTxId }, with code and
 *     message when the verification failed or was cancelled;
 *   - on a mobile browser (windowType.mobile, default REDIRECTION), or with
 *     forceRedirect: true, the tab itself goes to the window and then to
 *     redirectUrl with the same members in the query; the promise never
 *     settles, since the page is left.
 * Missing or malformed arguments reject the promise. The window lives where
 * this script was loaded from; nothing else is fetched.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var sandbox = new URL(script ? script.src : "/", location.href).origin;
  var windowURL = sandbox + "/sdk/v2/identity-verification";

  function isMobile() {
    return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
  }

  function txID() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
  }

  function requestIdentityVerification(request) {
    return new Promise(function (resolve, reject) {
      if (!request || typeof request !== "object") {
        reject(new TypeError("requestIdentityVerification: the request must be an object"));
        return;
      }
      var required = ["storeId", "identityVerificationId"];
      for (var i = 0; i < required.length; i++) {
        if (typeof request[required[i]] !== "string" || request[required[i]] === "") {
          reject(new TypeError("requestIdentityVerification: " + required[i] + " is required"));
          return;
        }
      }
      var tx = txID();
      var base = {
        transactionType: "IDENTITY_VERIFICATION",
        identityVerificationId: request.identityVerificationId,
        identityVerificationTxId: tx
      };
      function failure(code, message) {
        return Object.assign({}, base, { code: code, message: message });
      }
      var query = new URLSearchParams({
        storeId: request.storeId,
        identityVerificationId: request.identityVerificationId,
        identityVerificationTxId: tx
      });
      if (request.channelKey) {
        query.set("channelKey", String(request.channelKey));
      }

      var windowType = request.windowType || {};
      var redirect = request.forceRedirect === true ||
        (isMobile() ? (windowType.mobile || "REDIRECTION") === "REDIRECTION" : windowType.pc === "REDIRECTION");
      if (redirect) {
        if (!request.redirectUrl) {
          reject(new TypeError("requestIdentityVerification: redirectUrl is required for a redirection"));
          return;
        }
        query.set("mode", "redirect");
        query.set("redirectUrl", new URL(String(request.redirectUrl), location.href).href);
        location.href = windowURL + "?" + query.toString();
        return; // the page is left: the promise never settles
      }

      query.set("mode", "popup");
      query.set("origin", location.origin);
      var popup = window.open(windowURL + "?" + query.toString(), "portone_sandbox_identity_verification",
        "popup=yes,width=460,height=720");
      if (!popup) {
        resolve(failure("SANDBOX_POPUP_BLOCKED", "팝업이 차단되어 본인인증 창을 열 수 없습니다."));
        return;
      }

      var finished = false;
      function finish(response) {
        if (finished) {
          return;
        }
        finished = true;
        window.removeEventListener("message", onMessage);
        clearInterval(watch);
        resolve(response);
      }
      function onMessage(event) {
        if (event.origin !== sandbox || event.source !== popup || !event.data || event.data.sandbox !== "portone") {
          return;
        }
        finish(event.data.result);
      }
      window.addEventListener("message", onMessage);
      // A window closed without an answer is a cancel. The check waits a
      // moment, so that a result posted just before closing arrives first.
      var watch = setInterval(function () {
        if (popup.closed && !finished) {
          clearInterval(watch);
          setTimeout(function () {
            finish(failure("SANDBOX_CANCELLED", "사용자가 본인인증을 취소했습니다."));
          }, 300);
        }
      }, 250);
    });
  }

  window.PortOne = { requestIdentityVerification: requestIdentityVerification };
})();
