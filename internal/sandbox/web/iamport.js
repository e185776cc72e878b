/*
 * caddy-iamport sandbox: an imitation of i'mport's browser SDK
 * (https://cdn.iamport.kr/v1/iamport.js) for identity verification only.
 *
 * It defines the same global, IMP, with the same calls:
 *   IMP.init(userCode)                      (IMP.agency(userCode, tierCode) too)
 *   IMP.certification(params, callback)
 * and opens the sandbox's verification window instead of a provider's:
 *   - on a PC, or with popup: true, in a popup window; when the person is
 *     done, callback(rsp) receives { success, imp_success, imp_uid,
 *     merchant_uid, error_code, error_msg };
 *   - on a mobile browser with m_redirect_url (and popup not true), the tab
 *     itself goes to the window and then to
 *     m_redirect_url?imp_uid=…&merchant_uid=…&success=true|false&imp_success=true|false
 *     (with error_code and error_msg on failure); callback is not called.
 * The window lives where this script was loaded from; nothing else is
 * fetched.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var sandbox = new URL(script ? script.src : "/", location.href).origin;
  var windowURL = sandbox + "/sdk/v1/certification";
  var userCode = "";

  function isMobile() {
    return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
  }

  function failure(merchantUID, code, msg) {
    return {
      success: false, imp_success: false, imp_uid: null, merchant_uid: merchantUID,
      error_code: code, error_msg: msg
    };
  }

  function certification(params, callback) {
    params = params || {};
    var cb = typeof callback === "function" ? callback : function () {};
    var merchantUID = params.merchant_uid ? String(params.merchant_uid) : "mid_" + Date.now();
    if (!userCode) {
      cb(failure(merchantUID, "sandbox_not_initialised", "IMP.init(\"고객사 식별코드\")를 먼저 호출해야 합니다."));
      return;
    }
    var query = new URLSearchParams({ user_code: userCode, merchant_uid: merchantUID });
    if (params.company) {
      query.set("company", String(params.company));
    }

    var redirect = params.m_redirect_url && params.popup !== true && isMobile();
    if (redirect) {
      query.set("mode", "redirect");
      query.set("m_redirect_url", new URL(String(params.m_redirect_url), location.href).href);
      location.href = windowURL + "?" + query.toString();
      return;
    }

    query.set("mode", "popup");
    query.set("origin", location.origin);
    var popup = window.open(windowURL + "?" + query.toString(), "iamport_sandbox_certification",
      "popup=yes,width=460,height=720");
    if (!popup) {
      cb(failure(merchantUID, "sandbox_popup_blocked", "팝업이 차단되어 본인인증 창을 열 수 없습니다."));
      return;
    }

    var finished = false;
    function finish(rsp) {
      if (finished) {
        return;
      }
      finished = true;
      window.removeEventListener("message", onMessage);
      clearInterval(watch);
      cb(rsp);
    }
    function onMessage(event) {
      if (event.origin !== sandbox || event.source !== popup || !event.data || event.data.sandbox !== "iamport") {
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
          finish(failure(merchantUID, "sandbox_cancelled", "사용자가 본인인증을 취소했습니다."));
        }, 300);
      }
    }, 250);
  }

  window.IMP = {
    init: function (code) { userCode = code ? String(code) : ""; },
    agency: function (code) { userCode = code ? String(code) : ""; },
    certification: certification
  };
})();
