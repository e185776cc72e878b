// caddy-iamport demo signup page. No framework: the form, the SDK call
// (i'mport V1 IMP.certification or PortOne V2
// PortOne.requestIdentityVerification), the POST to the gateway, and the
// answer shown in words. The same code works with the real SDKs: only the
// script URLs and the keys in the page differ.
"use strict";
(function () {
  var form = document.getElementById("signup");
  var result = document.getElementById("result");
  var button = document.getElementById("verify");
  var cfg = form.dataset;
  var SAVED = "caddy-iamport-demo"; // sessionStorage key: what the person typed
  var last = null; // the last POST {path, body}, to send the same verification again

  // What each refusal code means, in Korean and English. The gateway's
  // problem document carries the code; the page words it for people.
  var REFUSALS = {
    imp_uid_missing: ["본인인증 번호 없음", "요청에 본인인증 번호가 없습니다.",
      "Identity verification id missing", "The request carries no identity verification id."],
    imp_uid_invalid: ["잘못된 본인인증 번호", "본인인증 번호의 형식이 올바르지 않습니다.",
      "Identity verification id invalid", "The identity verification id is not in the expected format."],
    imp_uid_conflict: ["본인인증 번호 충돌", "요청에 서로 다른 본인인증 번호가 들어 있습니다.",
      "Conflicting identity verification ids", "The request carries two different identity verification ids."],
    body_invalid: ["읽을 수 없는 요청", "게이트웨이가 읽을 수 없는 형식의 요청입니다.",
      "Request body invalid", "The gateway could not read the request body."],
    body_too_large: ["요청이 너무 큼", "요청 본문이 허용된 크기보다 큽니다.",
      "Request body too large", "The request body is larger than allowed."],
    tunnel_refused: ["허용되지 않는 연결 방식", "가입 요청에서는 연결 업그레이드나 터널을 쓸 수 없습니다.",
      "Tunnel refused", "A signup request may not upgrade or tunnel its connection."],
    verification_not_found: ["본인인증 내역 없음", "이 번호로 된 본인인증을 찾을 수 없습니다.",
      "Identity verification not found", "No identity verification exists with this id."],
    not_certified: ["본인인증 미완료", "본인인증이 끝나지 않았습니다. 다시 인증해 주세요.",
      "Identity not certified", "The verification was not completed. Please verify again."],
    underage: ["가입 연령 미달", "가입할 수 있는 최소 나이보다 어립니다.",
      "Below the minimum age", "You are younger than the minimum age for signing up."],
    overage: ["가입 연령 초과", "가입할 수 있는 최대 나이를 넘었습니다.",
      "Above the maximum age", "You are older than the maximum age for signing up."],
    foreigner_denied: ["내국인 전용 서비스", "이 서비스는 내국인만 가입할 수 있습니다.",
      "Foreign nationals not accepted", "Only Korean nationals can sign up for this service."],
    ci_missing: ["연계정보(CI) 없음", "본인인증 결과에 연계정보(CI)가 없어 가입을 진행할 수 없습니다.",
      "Identity verification lacks connecting information",
      "The verification result has no CI, so one account per person cannot be enforced."],
    verification_expired: ["본인인증 만료", "본인인증을 한 지 너무 오래되었습니다. 다시 인증해 주세요.",
      "Identity verification expired", "The verification is too old. Please verify again."],
    imp_uid_reused: ["이미 사용된 본인인증", "이 본인인증은 이미 가입에 쓰였습니다. 다시 인증해 주세요.",
      "Identity verification already used", "This verification was already used to sign up. Please verify again."],
    verification_unavailable: ["본인인증 서비스 일시 장애", "본인인증 서비스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.",
      "Identity verification temporarily unavailable", "The verification service cannot be reached. Please try again shortly."],
    verification_failed: ["본인인증 확인 실패", "본인인증 결과를 확인하지 못했습니다. 잠시 후 다시 시도해 주세요.",
      "Identity verification failed", "The verification result could not be confirmed. Please try again shortly."]
  };

  // ---- small DOM helpers (text only: nothing from the network becomes HTML)

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function en(text) { return el("span", { lang: "en" }, [text]); }

  function show(kind, nodes) {
    result.replaceChildren.apply(result, nodes);
    result.className = kind;
    result.hidden = false;
    button.disabled = false;
    result.focus();
  }

  // After a signup, the page offers to send the same verification again,
  // to show that the gateway takes each verification once.
  function replayButton() {
    if (!last) {
      return [];
    }
    var b = el("button", { type: "button", id: "replay", class: "secondary" },
      ["같은 인증으로 다시 보내기 ", en("Send the same verification again")]);
    b.addEventListener("click", function () { send(last.path, last.body); });
    return [b];
  }

  // ---- what the person typed, kept across the redirect flow

  function readForm() {
    var source = form.querySelector("input[name=source]:checked") || form.querySelector("input[name=source]");
    return { email: form.email.value.trim(), nick: form.nick.value.trim(), source: source.value };
  }
  function save(data) { sessionStorage.setItem(SAVED, JSON.stringify(data)); }
  function restore() {
    var data = null;
    try { data = JSON.parse(sessionStorage.getItem(SAVED) || "null"); } catch (e) { data = null; }
    if (data) {
      form.email.value = data.email || "";
      form.nick.value = data.nick || "";
      var radio = form.querySelector("input[name=source][value=" + (data.source === "v2" ? "v2" : "v1") + "]");
      if (radio && radio.type === "radio") { radio.checked = true; }
    }
    return data;
  }

  function valid() {
    var ok = true;
    [form.email, form.nick].forEach(function (input) {
      var bad = !input.checkValidity();
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      document.getElementById(input.id + "-error").hidden = !bad;
      if (bad && ok) { input.focus(); ok = false; }
    });
    return ok;
  }

  // ---- the answer, as a person reads it

  function showVerified(text) {
    var year = /^X-Verified-Birth-Year:[ \t]*(\d{4})[ \t]*$/mi.exec(text);
    var ci = /^X-Verified-CI-Hash:[ \t]*([0-9a-f]{64})[ \t]*$/mi.exec(text);
    show("verified", [
      el("h2", { id: "result-title" }, ["가입 완료 ", en("Signed up")]),
      el("p", {}, ["게이트웨이가 본인인증을 확인했고, 백엔드가 확인된 값을 받았습니다. ",
        en("The gateway verified the identity, and the backend received the verified values.")]),
      el("dl", {}, [
        el("dt", {}, ["출생연도 ", en("Birth year")]),
        el("dd", { id: "birth-year" }, [year ? year[1] : "—"]),
        el("dt", {}, ["CI 해시 ", en("CI hash")]),
        el("dd", {}, [el("code", { id: "ci-hash" }, [ci ? ci[1].slice(0, 12) + "…" : "—"])])
      ]),
      el("details", {}, [
        el("summary", {}, ["백엔드가 받은 내용 ", en("What the backend received")]),
        el("pre", { id: "backend-answer" }, [text])
      ])
    ].concat(replayButton()));
  }

  function showRefused(status, doc) {
    var words = REFUSALS[doc.code] || [doc.title || "가입 거절", "", doc.title || "Refused", doc.detail || ""];
    show("refused", [
      el("h2", { id: "result-title" }, ["가입 거절 ", en("Signup refused")]),
      el("p", { class: "refusal" }, [el("strong", {}, [words[0]]), " ", en(words[2])]),
      el("p", {}, [words[1]]),
      el("p", { lang: "en" }, [words[3]]),
      el("p", { class: "code" }, ["코드 ", en("code"), ": ", el("code", { id: "problem-code" }, [String(doc.code || "")]),
        " · HTTP " + status])
    ]);
  }

  function showNotCompleted(message, code) {
    show("cancelled", [
      el("h2", { id: "result-title" }, ["본인인증이 완료되지 않았습니다 ", en("Verification not completed")]),
      el("p", { id: "sdk-message" }, [message || "본인인증 창이 닫혔습니다."]),
      el("p", { class: "code" }, ["SDK ", en("code"), ": ", el("code", { id: "sdk-code" }, [String(code || "")])]),
      el("p", {}, ["가입 요청은 보내지 않았습니다. 다시 시도하려면 본인인증을 누르세요. ",
        en("Nothing was sent to the server. Press the button to try again.")])
    ]);
  }

  function showError(text) {
    show("refused", [
      el("h2", { id: "result-title" }, ["요청 실패 ", en("Request failed")]),
      el("p", {}, [text])
    ]);
  }

  // ---- the POST to the gateway's verify path

  function send(path, body) {
    last = { path: path, body: body };
    button.disabled = true;
    fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json, application/problem+json, text/plain" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var type = resp.headers.get("Content-Type") || "";
        if (type.indexOf("application/problem+json") === 0) {
          var doc = {};
          try { doc = JSON.parse(text); } catch (e) { doc = {}; }
          showRefused(resp.status, doc);
        } else if (resp.ok) {
          showVerified(text);
        } else if (resp.status === 429) {
          showError("가입 시도가 너무 많습니다. 1분쯤 뒤에 다시 시도해 주세요. / Too many signup attempts from this address; please try again in a minute.");
        } else {
          showError("HTTP " + resp.status + ": " + text.slice(0, 200));
        }
      });
    }).catch(function (err) {
      showError("서버에 연결하지 못했습니다. / Could not reach the server. (" + err.message + ")");
    });
  }

  // ---- i'mport V1

  function v1Verify(data) {
    IMP.init(cfg.v1Code);
    var params = {
      merchant_uid: "mid_" + Date.now(),
      company: "caddy-iamport 데모",
      m_redirect_url: location.origin + location.pathname // the mobile flow lands back here
    };
    if (cfg.v1Channel) { params.channelKey = cfg.v1Channel; }
    IMP.certification(params, function (rsp) { v1Done(rsp, data); });
  }

  function v1Done(rsp, data) {
    // As i'mport's guide does: a completed verification's id goes to the
    // server, which decides; the browser's flag is only a hint.
    if (!rsp.success) {
      showNotCompleted(rsp.error_msg, rsp.error_code);
      return;
    }
    send(cfg.v1Path, { imp_uid: rsp.imp_uid, email: data.email, nick: data.nick });
  }

  // ---- PortOne V2

  function v2Verify(data) {
    var id = "identity-verification-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
    PortOne.requestIdentityVerification({
      storeId: cfg.v2Store,
      identityVerificationId: id,
      channelKey: cfg.v2Channel,
      redirectUrl: location.origin + location.pathname // the mobile flow lands back here
    }).then(function (response) {
      if (response) { v2Done(response, data); }
    }, function (err) {
      showNotCompleted(err && err.message, err && err.code);
    });
  }

  function v2Done(response, data) {
    // As PortOne's guide does: a response with a code is a failure.
    if (response.code !== undefined && response.code !== null) {
      showNotCompleted(response.message, response.code);
      return;
    }
    send(cfg.v2Path, { identityVerificationId: response.identityVerificationId, email: data.email, nick: data.nick });
  }

  // ---- wiring

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!valid()) {
      return;
    }
    var data = readForm();
    save(data); // the mobile flow leaves the page and comes back
    result.hidden = true;
    if (data.source === "v2") { v2Verify(data); } else { v1Verify(data); }
  });

  // The redirect flow's landing: the SDK sent the tab back here with the
  // result in the query. Restore the form, take the id out of the address
  // bar, and carry on as the popup flow does.
  var query = new URLSearchParams(location.search);
  var saved = restore();
  if (query.has("imp_uid") || query.has("imp_success") || query.has("success") || query.has("identityVerificationId")) {
    history.replaceState(null, "", location.pathname);
    if (!saved) {
      showError("입력한 내용을 찾지 못했습니다. 다시 입력하고 본인인증을 눌러 주세요. / What you typed was not found; please fill in the form again.");
    } else if (query.has("identityVerificationId")) {
      var response = { transactionType: query.get("transactionType"), identityVerificationId: query.get("identityVerificationId"),
        identityVerificationTxId: query.get("identityVerificationTxId") };
      if (query.has("code")) { response.code = query.get("code"); response.message = query.get("message"); }
      v2Done(response, saved);
    } else {
      // i'mport appends both spellings of the flag, as strings.
      var flag = query.has("success") ? query.get("success") : query.get("imp_success");
      v1Done({ success: flag === "true", imp_uid: query.get("imp_uid"), merchant_uid: query.get("merchant_uid"),
        error_code: query.get("error_code"), error_msg: query.get("error_msg") }, saved);
    }
  }
})();
