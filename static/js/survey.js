// The survey form (实地调查表): add and remove unsaved member rows, live net and per-capita income,
// sex and birth date from the ID number, and loading another income year.
// Money is computed in integer cents (BigInt), never in floating point, and rounded half-up like the server.
(function () {
  "use strict";

  const form = document.getElementById("survey-form");
  if (!form) {
    return;
  }
  const rows = document.getElementById("member-rows");
  const template = document.getElementById("member-empty-form");
  const totalForms = document.getElementById("id_members-TOTAL_FORMS");
  // A re-rendered page (errors, conflict) holds typed values that a reload would lose.
  let dirty = form.dataset.bound === "1";

  // ---- money ---------------------------------------------------------------------------------
  function toCents(value) {
    const text = String(value || "").trim();
    if (text === "") {
      return 0n;
    }
    const match = /^(-?)(\d*)(?:\.(\d{0,2}))?$/.exec(text);
    if (!match || (match[2] === "" && !match[3])) {
      return null;
    }
    const cents = BigInt(match[2] || "0") * 100n + BigInt((match[3] || "").padEnd(2, "0"));
    return match[1] ? -cents : cents;
  }

  function formatCents(cents) {
    const negative = cents < 0n;
    const abs = negative ? -cents : cents;
    return (negative ? "-" : "") + (abs / 100n).toString() + "." + (abs % 100n).toString().padStart(2, "0");
  }

  function perCapitaCents(net, count) {
    // ROUND_HALF_UP on the absolute value: floor((2|a| + n) / 2n), then the sign back.
    const n = BigInt(count);
    const abs = net < 0n ? -net : net;
    const rounded = (abs * 2n + n) / (2n * n);
    return net < 0n ? -rounded : rounded;
  }

  function money(name) {
    const input = form.querySelector('[data-money="' + name + '"]');
    return input ? toCents(input.value) : 0n;
  }

  function setText(id, text, invalid) {
    const node = document.getElementById(id);
    if (node) {
      node.textContent = text;
      node.classList.toggle("text-danger", Boolean(invalid));
    }
  }

  // ---- members -------------------------------------------------------------------------------
  function memberRows() {
    return Array.from(rows.querySelectorAll(".member-row"));
  }

  function countMembers() {
    return memberRows().filter(function (row) {
      if (row.dataset.existing) {
        return true;
      }
      const name = row.querySelector("[data-member-name]");
      const id = row.querySelector("[data-id-number]");
      return (name && name.value.trim() !== "") || (id && id.value.trim() !== "");
    }).length;
  }

  function recompute() {
    const names = ["wage", "business", "property_income", "transfer"];
    const parts = ["dibao", "tekun", "pension", "eco_compensation", "family_planning", "other_transfer"];
    const members = countMembers();
    setText("member-count", String(members));

    const added = names.map(money);
    const expenses = money("business_expenses");
    if (added.includes(null) || expenses === null) {
      setText("net-income", "—");
      setText("per-capita", "—");
    } else {
      const net = added.reduce(function (a, b) { return a + b; }, 0n) - expenses;
      setText("net-income", formatCents(net));
      setText("per-capita", members > 0 ? formatCents(perCapitaCents(net, members)) : "—");
    }

    const partValues = parts.map(money);
    const transfer = money("transfer");
    if (partValues.includes(null)) {
      setText("transfer-parts-total", "—");
    } else {
      const total = partValues.reduce(function (a, b) { return a + b; }, 0n);
      setText("transfer-parts-total", formatCents(total), transfer !== null && total > transfer);
    }
  }

  function showDerived(input) {
    const row = input.closest(".member-row");
    const target = row && row.querySelector("[data-derived]");
    if (!target) {
      return;
    }
    const value = input.value.replace(/\s/g, "").toUpperCase();
    if (/^\d{17}[\dX]$/.test(value)) {
      const sex = Number(value[16]) % 2 === 1 ? "男" : "女";
      target.textContent = sex + " · " + value.slice(6, 10) + "-" + value.slice(10, 12) + "-" + value.slice(12, 14);
    } else {
      target.textContent = "—";
    }
  }

  function renumber() {
    // Saved rows come first and are never removed, so only unsaved rows ever change index.
    memberRows().forEach(function (row, index) {
      const old = row.dataset.index;
      if (old !== undefined && old !== String(index)) {
        const pattern = new RegExp("members-" + old + "-", "g");
        row.querySelectorAll("[name], [id], [for], [aria-describedby], [href]").forEach(function (el) {
          ["name", "id", "for", "aria-describedby", "href"].forEach(function (attr) {
            const value = el.getAttribute(attr);
            if (value && value.indexOf("members-" + old + "-") !== -1) {
              el.setAttribute(attr, value.replace(pattern, "members-" + index + "-"));
            }
          });
        });
      }
      row.dataset.index = String(index);
    });
    totalForms.value = String(memberRows().length);
  }

  document.getElementById("add-member").addEventListener("click", function () {
    const index = memberRows().length;
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    renumber();
    recompute();
    const row = memberRows()[index];
    const first = row.querySelector("[data-member-name]");
    if (first) {
      first.focus();
    }
  });

  rows.addEventListener("click", function (event) {
    const button = event.target.closest("[data-remove-member]");
    if (!button) {
      return;
    }
    button.closest(".member-row").remove();
    renumber();
    recompute();
  });

  // ---- events --------------------------------------------------------------------------------
  form.addEventListener("input", function (event) {
    if (!event.target.matches("[data-year-select]")) {
      dirty = true;
    }
    if (event.target.matches("[data-id-number]")) {
      showDerived(event.target);
    }
    recompute();
  });

  const yearSelect = form.querySelector("[data-year-select]");
  if (yearSelect) {
    yearSelect.addEventListener("change", function () {
      const question = "切换收入年度将重新载入本页，未保存的修改会丢失。是否继续？\n（点“取消”则保留本页内容，保存时记为所选年度。）";
      if (dirty && !window.confirm(question)) {
        return;
      }
      const url = new URL(window.location.href);
      url.searchParams.set("year", yearSelect.value);
      window.location.assign(url.toString());
    });
  }

  renumber();
  recompute();
})();
