// 双报到工作台: a client of the hub's public GraphQL API. It sends only the ids of its
// trusted documents (web/operations/*.graphql, registered by the hub), never a query text.
import { barChart, esc } from "./chart.js";

const TOKEN_KEY = "dualhub.token";
const PAGE = 20;
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const statusBox = document.getElementById("status");
let config = null;
let viewer = null;
let year = new Date().getFullYear();

const ROLE_NAMES = {
  UNIT_BRANCH: "单位党支部", COMMUNITY: "社区党委", GRID_WORKER: "网格员",
  GRID_BRANCH_SECRETARY: "网格党支部书记", DISTRICT: "区委组织部", AUDITOR: "审计员", MEMBER: "在职党员",
};
const REPORT_STATUS = { PENDING: "待确认", CONFIRMED: "已报到", RETURNED: "已退回", CLOSED: "已结束" };
const ORDER_STATUS = {
  ORDERED: "待派单", DISPATCHED: "已派单", ACCEPTED: "已接单", CLOSED: "已结单", RATED: "已评价",
  CONFIRMED: "已确认", CANCELLED: "已取消",
};
const GRADES = { EXCELLENT: "优秀", QUALIFIED: "合格", BASICALLY_QUALIFIED: "基本合格", UNQUALIFIED: "不合格" };
const KINDS = { ORDER: "服务订单", ACTIVITY: "活动", POST: "岗位", WISH: "微心愿", POINTS: "积分", DUTY: "值守" };
const HOMES = {
  UNIT_BRANCH: "#/branch", COMMUNITY: "#/community", GRID_WORKER: "#/community",
  GRID_BRANCH_SECRETARY: "#/community", DISTRICT: "#/district", AUDITOR: "#/audit", MEMBER: "#/me",
};
const MENUS = {
  UNIT_BRANCH: [["#/branch", "党员名册"], ["#/branch/noncompliant", "未达标党员"]],
  COMMUNITY: [["#/community", "超时订单"], ["#/community/waiting", "待派单"], ["#/community/supporters", "报到党员"],
    ["#/community/review", "审核队列"], ["#/community/activities", "活动"], ["#/community/red-property", "红色物业"]],
  DISTRICT: [["#/district", "全区看板"], ["#/district/standings", "红旗支部与物业排名"]],
  AUDITOR: [["#/audit", "审计日志"]],
  MEMBER: [["#/me", "我的"], ["#/me/activities", "活动与积分"]],
};
MENUS.GRID_WORKER = MENUS.COMMUNITY;
MENUS.GRID_BRANCH_SECRETARY = MENUS.COMMUNITY;

const token = () => sessionStorage.getItem(TOKEN_KEY);
const fmtDate = (value) => (value ? String(value).slice(0, 16).replace("T", " ") : "");
const pct = (rate) => `${(rate * 100).toFixed(1)}%`;
const say = (text) => { statusBox.textContent = text; setTimeout(() => { if (statusBox.textContent === text) statusBox.textContent = ""; }, 4000); };

class GraphQLFailure extends Error {}

async function gql(name, variables = {}) {
  const documentId = config.documents[name];
  if (!documentId) throw new GraphQLFailure(`未登记的操作 ${name}`);
  const headers = { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch("../graphql", {
    method: "POST", headers, body: JSON.stringify({ documentId, operationName: name, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = "#/signin";
    throw new GraphQLFailure("登录已失效，请重新登录。");
  }
  if (body.errors && body.errors.length) throw new GraphQLFailure(body.errors.map((e) => e.message).join("；"));
  return body.data;
}

function userErrors(errors) {
  return errors.length
    ? `<div class="error" role="alert">${errors.map((e) => `${esc(e.message)}（${esc(e.code)}）`).join("<br>")}</div>`
    : "";
}

// Paging like the API: first/after, with the cursors seen so far to go back.
function pager(state, pageInfo, total, rerender) {
  const box = document.createElement("div");
  box.className = "pager";
  const page = state.cursors.length;
  box.innerHTML = `<span>共 ${total} 条，第 ${page} 页</span>
    <button class="plain" data-prev ${page <= 1 ? "disabled" : ""}>上一页</button>
    <button class="plain" data-next ${pageInfo.hasNextPage ? "" : "disabled"}>下一页</button>`;
  box.querySelector("[data-prev]").onclick = () => { state.cursors.pop(); rerender(); };
  box.querySelector("[data-next]").onclick = () => { state.cursors.push(pageInfo.endCursor); rerender(); };
  return box;
}
const after = (state) => state.cursors[state.cursors.length - 1];
const newPaging = () => ({ cursors: [null] });

// ---- sign-in ----------------------------------------------------------------------------

function signInPage() {
  statusBox.textContent = "";
  nav.innerHTML = "";
  who.textContent = "";
  const dev = config.devSignIn
    ? `<section aria-labelledby="dev-h"><h2 id="dev-h">开发环境登录（演示数据）</h2>
        <p>开发模式下可用演示身份登录。生产环境没有此入口。</p>
        <form id="dev-form" class="row"><div><label for="dev-role">角色</label>
        <select id="dev-role">${Object.entries(config.roles).map(([v, l]) => `<option value="${esc(v)}">${esc(l)}</option>`).join("")}</select></div>
        <button type="submit" id="dev-submit">以演示身份登录</button></form></section>`
    : `<p class="notice">请使用本区统一身份认证（身份提供方）签发的令牌登录。</p>`;
  main.innerHTML = `<div class="narrow">${dev}
    <section aria-labelledby="tok-h"><h2 id="tok-h">令牌登录</h2>
    <form id="token-form"><label for="token-input">访问令牌（Bearer）</label>
    <textarea id="token-input" rows="4" cols="40" required autocomplete="off"></textarea>
    <p><button type="submit">登录</button></p></form></section><div id="signin-error"></div></div>`;
  const fail = (message) => { document.getElementById("signin-error").innerHTML = `<div class="error" role="alert">${esc(message)}</div>`; };
  document.getElementById("token-form").onsubmit = async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token-input").value.trim());
    await enter().catch((error) => fail(error.message));
  };
  const devForm = document.getElementById("dev-form");
  if (devForm) devForm.onsubmit = async (event) => {
    event.preventDefault();
    const response = await fetch("dev-token", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role: document.getElementById("dev-role").value }),
    });
    const body = await response.json();
    if (!response.ok) return fail(body.error || "登录失败");
    sessionStorage.setItem(TOKEN_KEY, body.token);
    await enter().catch((error) => fail(error.message));
  };
}

async function enter() {
  const data = await gql("Viewer", { year, lastYear: year - 1 });
  if (data.viewer.role === "ANONYMOUS") throw new GraphQLFailure("令牌无效。");
  viewer = data.viewer;
  // The latest year with an appraisal policy: its figures and compliance mean something.
  if (!data.thisYear && data.lastYear) year -= 1;
  const target = HOMES[viewer.role];
  if (!target) throw new GraphQLFailure(`工作台暂不支持该角色：${viewer.role}`);
  if (!location.hash || location.hash === "#/signin") location.hash = target;
  else await route();
}

function chrome() {
  nav.innerHTML = (MENUS[viewer.role] || []).map(([href, label]) => `<a href="${href}">${esc(label)}</a>`).join("");
  who.innerHTML = `${esc(ROLE_NAMES[viewer.role] || viewer.role)} · ${esc(viewer.subject)} · ${year}年度
    <button class="plain" id="sign-out">退出</button>`;
  document.getElementById("sign-out").onclick = () => { sessionStorage.removeItem(TOKEN_KEY); viewer = null; location.hash = "#/signin"; };
}

// ---- branch secretary -------------------------------------------------------------------

const branchPaging = newPaging();
async function branchPage() {
  const data = await gql("BranchMembers", { branch: viewer.branch, year, first: PAGE, after: after(branchPaging) });
  const branch = data.partyBranch;
  const s = branch.performanceSummary;
  const rows = branch.members.edges.map(({ node: m }) => {
    const p = m.performance;
    const compliance = p.compliance && p.compliance.applicable
      ? (p.compliance.compliant ? '<span class="tag good">达标</span>' : '<span class="tag bad">未达标</span>') : "—";
    const grade = p.evaluations.organisation && p.evaluations.organisation.grade;
    return `<tr><td><a href="#/member/${esc(m.code)}">${esc(m.name)}</a></td><td>${esc(m.code)}</td>
      <td>${m.report ? `${esc(REPORT_STATUS[m.report.status])} · ${esc(m.report.community.name)}` : '<span class="tag bad">未报到</span>'}</td>
      <td>${p.totalServices}</td><td>${p.totalHours.toFixed(1)}</td><td>${p.points.balance}</td>
      <td>${compliance}</td><td>${esc(GRADES[p.appraisalCeiling] || "—")}</td><td>${esc(GRADES[grade] || "未评")}</td></tr>`;
  }).join("");
  main.innerHTML = `<h2>${esc(branch.name)}</h2><p>${esc(branch.unit.name)}</p>
    <div class="cards"><div class="card">党员<b>${s.members}</b></div><div class="card">已报到<b>${s.reported}</b></div>
    <div class="card">报到率<b>${pct(s.reportingRate)}</b></div><div class="card">未达标<b>${s.nonCompliantCount}</b></div></div>
    <p><a href="#/branch/noncompliant">查看未达标党员及原因</a> ·
    <button class="plain" id="download">下载${year}年评议台账（Excel）</button></p>
    <table><caption class="skip">党员名册</caption><thead><tr><th>姓名</th><th>编号</th><th>报到</th><th>服务次数</th><th>时长(小时)</th>
    <th>积分</th><th>达标</th><th>等次上限</th><th>组织评价</th></tr></thead><tbody>${rows}</tbody></table>`;
  main.append(pager(branchPaging, branch.members.pageInfo, branch.members.totalCount, branchPage));
  document.getElementById("download").onclick = () => download(`../reports/branch/${encodeURIComponent(branch.code)}.xlsx?year=${year}`, `${branch.code}-${year}.xlsx`);
}

async function download(url, name) {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) { say("下载失败"); return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

const nonCompliantPaging = newPaging();
async function nonCompliantPage() {
  const data = await gql("NonCompliant", { branch: viewer.branch, year, first: PAGE, after: after(nonCompliantPaging) });
  const list = data.partyBranch.performanceSummary.nonCompliant;
  const rows = list.edges.map(({ node: n }) => `<tr><td><a href="#/member/${esc(n.member.code)}">${esc(n.member.name)}</a></td>
    <td>${esc(n.unmetText)}</td><td>${n.performance.totalServices}</td><td>${n.performance.totalHours.toFixed(1)}</td>
    <td>${esc(GRADES[n.performance.appraisalCeiling] || "—")}</td></tr>`).join("");
  main.innerHTML = `<h2>${year}年未达标党员</h2><p>${esc(data.partyBranch.name)}</p>
    <table id="noncompliant"><thead><tr><th>姓名</th><th>未达标原因</th><th>服务次数</th><th>时长(小时)</th><th>等次上限</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="5">本年度没有未达标党员。</td></tr>'}</tbody></table>`;
  main.append(pager(nonCompliantPaging, list.pageInfo, list.totalCount, nonCompliantPage));
}

const timelinePaging = { code: null, cursors: [null] };
async function memberPage(code) {
  if (timelinePaging.code !== code) Object.assign(timelinePaging, { code, cursors: [null] });
  const data = await gql("MemberTimeline", { code, year, first: PAGE, after: after(timelinePaging) });
  const m = data.member;
  if (!m) { main.innerHTML = `<p class="error" role="alert">找不到该党员，或无权查看。</p>`; return; }
  const p = m.performance;
  const unmet = p.compliance && p.compliance.unmetRules.length
    ? `<ul>${p.compliance.unmetRules.map((r) => `<li>${esc(r.name)}：${esc(r.detail)}</li>`).join("")}</ul>` : "";
  const rows = m.timeline.edges.map(({ node: t }) => `<tr><td>${esc(fmtDate(t.occurredAt))}</td><td>${esc(KINDS[t.kind] || t.kind)}</td>
    <td>${esc(t.title || "")}</td><td>${esc(t.status)}</td><td>${t.hours ?? ""}</td><td>${t.points ?? ""}</td>
    <td>${esc(t.community ? t.community.name : "")}</td></tr>`).join("");
  const canEvaluate = viewer.role === "UNIT_BRANCH";
  main.innerHTML = `<h2 id="member-name">${esc(m.name)}（${esc(m.code)}）</h2>
    <p>${esc(m.branch.name)} · ${m.report ? `${esc(REPORT_STATUS[m.report.status])}：${esc(m.report.community.name)}` : "未报到"}</p>
    <div class="cards"><div class="card">服务次数<b>${p.totalServices}</b></div><div class="card">服务时长<b>${p.totalHours.toFixed(1)}</b></div>
    <div class="card">积分余额<b>${p.points.balance}</b></div><div class="card">评议等次上限<b>${esc(GRADES[p.appraisalCeiling] || "无")}</b></div></div>
    ${unmet ? `<h3>未达标原因</h3>${unmet}` : ""}
    ${canEvaluate ? `<section aria-labelledby="eval-h"><h3 id="eval-h">${year}年组织评价</h3>
      <form id="eval-form" class="row"><div><label for="eval-grade">评价等次</label><select id="eval-grade">
      ${Object.entries(GRADES).map(([v, l]) => `<option value="${v}">${l}</option>`).join("")}</select></div>
      <div><label for="eval-comment">评语</label><input id="eval-comment" required size="30"></div>
      <button type="submit">记录组织评价</button></form><div id="eval-result"></div></section>` : ""}
    <h3>服务纪实</h3><table id="timeline"><thead><tr><th>时间</th><th>类型</th><th>事项</th><th>状态</th><th>时长</th><th>积分</th><th>社区</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="7">暂无记录。</td></tr>'}</tbody></table>`;
  main.append(pager(timelinePaging, m.timeline.pageInfo, m.timeline.totalCount, () => memberPage(code)));
  const form = document.getElementById("eval-form");
  if (form) form.onsubmit = async (event) => {
    event.preventDefault();
    const input = { memberCode: code, year, grade: document.getElementById("eval-grade").value, comment: document.getElementById("eval-comment").value };
    const result = (await gql("RecordOrganisationEvaluation", { input })).recordOrganisationEvaluation;
    document.getElementById("eval-result").innerHTML = result.userErrors.length
      ? userErrors(result.userErrors)
      : `<p role="status">已记录：${esc(GRADES[result.organisationEvaluation.grade])}</p>`;
  };
}

// ---- community committee / grid worker --------------------------------------------------

const orderPaging = { key: null, cursors: [null] };
async function ordersPage(waiting) {
  const key = waiting ? "waiting" : "overdue";
  if (orderPaging.key !== key) Object.assign(orderPaging, { key, cursors: [null] });
  const data = await gql("CommunityOrders", {
    community: viewer.community, overdue: waiting ? null : true, statuses: ["ORDERED"], first: PAGE, after: after(orderPaging),
  });
  const c = data.community;
  const orders = c.orders.edges.map(({ node: o }) => {
    const suggestions = (o.demand && o.demand.suggestedSupporters) || [];
    return `<article class="order" data-order="${esc(o.id)}"><h3>${esc(o.title)}</h3>
      <p>${esc(o.category.name)} · ${esc(ORDER_STATUS[o.status])} · 截止 ${esc(fmtDate(o.dueAt))}
      ${o.isOverdue ? '<span class="tag bad">超时</span>' : ""} ${o.escalationLevel ? `督办 ${o.escalationLevel} 级` : ""}
      ${o.beneficiaryName ? ` · 服务对象 ${esc(o.beneficiaryName)}` : ""}</p>
      <form class="row dispatch"><div><label for="s-${esc(o.id)}">推荐党员</label><select id="s-${esc(o.id)}" data-suggest>
        <option value="">（手工填写编号）</option>
        ${suggestions.map((s) => `<option value="${esc(s.supporter.memberCode)}">${esc(s.supporter.member ? s.supporter.member.name : s.supporter.memberCode)}（${esc(s.reasons.join("、"))}）</option>`).join("")}
      </select></div><div><label for="m-${esc(o.id)}">党员编号</label><input id="m-${esc(o.id)}" data-member size="10"></div>
      <button type="submit">派单</button></form><div data-result></div></article>`;
  }).join("");
  main.innerHTML = `<h2>${esc(c.name)}：${waiting ? "待派单订单" : "超时未派订单"}</h2>
    <p><a href="#/community/supporters">查找报到党员（按技能）</a></p>${orders || "<p>没有订单。</p>"}`;
  main.append(pager(orderPaging, c.orders.pageInfo, c.orders.totalCount, () => ordersPage(waiting)));
  for (const article of main.querySelectorAll("article.order")) {
    article.querySelector("form").onsubmit = async (event) => {
      event.preventDefault();
      const takerCode = article.querySelector("[data-member]").value.trim() || article.querySelector("[data-suggest]").value;
      if (!takerCode) { article.querySelector("[data-result]").innerHTML = userErrors([{ message: "请选择或填写党员编号", code: "INVALID_INPUT" }]); return; }
      const result = (await gql("DispatchOrder", { input: { orderId: article.dataset.order, takerKind: "MEMBER", takerCode } })).dispatchOrder;
      article.querySelector("[data-result]").innerHTML = result.userErrors.length
        ? userErrors(result.userErrors)
        : `<p role="status" class="dispatched">已派单给 ${esc(result.serviceOrder.takerCode)}；接单链接：
           <a href="#/order/${encodeURIComponent(result.serviceOrder.id)}">#/order/${esc(result.serviceOrder.id)}</a></p>`;
      if (!result.userErrors.length) say("已派单");
    };
  }
}

const AVAILABILITY = { WEEKDAY_EVENINGS: "工作日晚上", WEEKENDS: "周末", HOLIDAYS: "节假日", WEEKDAY_DAYTIME: "工作日白天", ON_CALL: "随叫随到" };
const supporterPaging = { skill: "", available: "", cursors: [null] };
async function supportersPage() {
  const data = await gql("Supporters", {
    community: viewer.community, skill: supporterPaging.skill || null,
    available: supporterPaging.available ? [supporterPaging.available] : null, first: PAGE, after: after(supporterPaging),
  });
  const list = data.community.supporters;
  const rows = list.edges.map(({ node: r }) => `<tr><td>${esc(r.member ? r.member.name : "")}</td><td>${esc(r.memberCode)}</td>
    <td>${esc(r.member ? r.member.unit.name : "")}</td><td>${esc(r.building ? `${r.building.compound.name} ${r.building.name}` : "")}</td>
    <td>${esc(r.skills.join("、"))}</td><td>${esc(r.availability.map((a) => AVAILABILITY[a] || a).join("、"))}</td></tr>`).join("");
  main.innerHTML = `<h2>报到党员</h2><form id="skill-form" class="row"><div><label for="skill">技能</label>
    <input id="skill" value="${esc(supporterPaging.skill)}"></div><div><label for="available">可服务时间</label>
    <select id="available"><option value="">不限</option>${Object.entries(AVAILABILITY).map(([v, l]) => `<option value="${v}" ${v === supporterPaging.available ? "selected" : ""}>${l}</option>`).join("")}</select></div>
    <button type="submit">查找</button></form>
    <table><thead><tr><th>姓名</th><th>编号</th><th>单位</th><th>楼栋</th><th>技能</th><th>可服务时间</th></tr></thead><tbody>${rows}</tbody></table>`;
  main.append(pager(supporterPaging, list.pageInfo, list.totalCount, supportersPage));
  document.getElementById("skill-form").onsubmit = (event) => {
    event.preventDefault();
    Object.assign(supporterPaging, {
      skill: document.getElementById("skill").value.trim(), available: document.getElementById("available").value, cursors: [null],
    });
    supportersPage().catch(showError);
  };
}

// ---- member (narrow screen first) -------------------------------------------------------

// An order the member serves: accept it (接单) when dispatched to him, close it (结单) once accepted.
function orderArticle(o) {
  return `<article class="order" data-order="${esc(o.id)}">
    <h3>${esc(o.title)}</h3><p>${esc(o.category.name)} · ${esc(o.community.name)} · <span data-status>${esc(ORDER_STATUS[o.status])}</span>
    · 截止 ${esc(fmtDate(o.dueAt))} ${o.isOverdue ? '<span class="tag bad">超时</span>' : ""}</p>
    ${o.status === "DISPATCHED" ? '<button data-accept>接单</button>' : ""}
    ${o.status === "ACCEPTED" ? `<form data-close><label for="sum-${esc(o.id)}">服务小结</label><textarea id="sum-${esc(o.id)}" required rows="2" cols="30"></textarea>
      <label for="h-${esc(o.id)}">服务时长（小时）</label><input id="h-${esc(o.id)}" type="number" min="0.5" max="24" step="0.5" value="1" required>
      <p><button type="submit">结单</button></p></form>` : ""}<div data-result></div></article>`;
}

function wireOrders(reload) {
  for (const article of main.querySelectorAll("article.order")) {
    const orderId = article.dataset.order;
    const show = (result, done) => {
      article.querySelector("[data-result]").innerHTML = result.userErrors.length ? userErrors(result.userErrors) : "";
      if (!result.userErrors.length) { say(done); reload().catch(showError); }
    };
    const accept = article.querySelector("[data-accept]");
    if (accept) accept.onclick = async () => show((await gql("AcceptOrder", { input: { orderId } })).acceptOrder, "已接单");
    const close = article.querySelector("[data-close]");
    if (close) close.onsubmit = async (event) => {
      event.preventDefault();
      const input = { orderId, summary: close.querySelector("textarea").value, hours: close.querySelector("input").value, evidence: [] };
      show((await gql("CloseOrder", { input })).closeOrder, "已结单");
    };
  }
}

const myPaging = newPaging();
async function mePage() {
  const data = await gql("MyOrders", { first: PAGE, after: after(myPaging) });
  const me = data.me;
  const mine = me ? me.orders : { edges: [], pageInfo: { hasNextPage: false }, totalCount: 0 };
  const orders = mine.edges.map(({ node }) => orderArticle(node)).join("");
  main.innerHTML = `<div class="narrow"><h2>${esc(me ? me.name : "我的")}</h2>
    <div class="cards"><div class="card">报到<b>${me && me.report ? esc(REPORT_STATUS[me.report.status]) : "未报到"}</b>${me && me.report ? esc(me.report.community.name) : ""}</div>
    <div class="card">积分<b>${me && me.points ? me.points.balance : 0}</b></div></div>
    <section aria-labelledby="notice-h"><h3 id="notice-h">我的消息（未读 <span id="unread">${data.viewer.unreadCount}</span>）</h3>
    <ul class="notifications" id="notifications">${notificationItems(data.viewer.notifications.edges) || "<li>暂无消息。</li>"}</ul>
    ${data.viewer.unreadCount ? '<button class="plain" id="mark-read">全部标为已读</button>' : ""}</section>
    <h3>我服务中的订单</h3>${orders || "<p>暂无服务中的订单。</p>"}</div>`;
  main.querySelector(".narrow").append(pager(myPaging, mine.pageInfo, mine.totalCount, mePage));
  wireOrders(mePage);
  const markRead = document.getElementById("mark-read");
  if (markRead) markRead.onclick = async () => {
    const result = (await gql("MarkNotificationsRead", { input: { all: true } })).markNotificationsRead;
    if (result.userErrors.length) { say(result.userErrors.map((e) => e.message).join("；")); return; }
    say(`已读 ${result.markedCount} 条`);
    mePage().catch(showError);
  };
}

// A notification about an order links to the order's page (#/order/<id>), where he acts on it.
function notificationItems(edges) {
  return edges.map(({ node: n }) => {
    const title = n.kind.startsWith("ORDER_") && n.objectId
      ? `<a href="#/order/${encodeURIComponent(n.objectId)}">${esc(n.title)}</a>` : esc(n.title);
    return `<li class="${n.unread ? "unread" : ""}" data-kind="${esc(n.kind)}">${n.unread ? '<span class="tag">未读</span> ' : ""}${title}
      <small>${esc(fmtDate(n.createdAt))}</small><br><span>${esc(n.text)}</span></li>`;
  }).join("");
}

async function orderPage(id) {
  const order = (await gql("Order", { id })).node;
  if (!order || !order.title) { main.innerHTML = '<p class="error" role="alert">找不到该订单，或无权查看。</p>'; return; }
  main.innerHTML = `<div class="narrow"><h2>订单</h2>${orderArticle(order)}<p><a href="#/me">返回我的</a></p></div>`;
  wireOrders(() => orderPage(id));
}

// ---- district ---------------------------------------------------------------------------

async function districtPage() {
  const d = (await gql("DistrictDashboard", { year, top: 10 })).district;
  const s = d.summary;
  const months = d.serviceByMonth.map((m) => ({ label: `${m.month}月`, value: m.hours }));
  const units = d.reportingByUnit.slice(0, 10).map((u) => ({ label: u.unit.name, value: u.rate * 100 }));
  const communities = d.reportingByCommunity.map((c) => ({ label: c.community.name, value: c.reported }));
  main.innerHTML = `<h2>${d.year}年全区看板</h2>
    <div class="cards"><div class="card">应报到党员<b>${s.members}</b></div><div class="card">已报到<b>${s.reported}</b></div>
    <div class="card">报到率<b>${pct(s.reportingRate)}</b></div><div class="card">服务次数<b>${s.services}</b></div>
    <div class="card">服务时长<b>${Math.round(s.hours)}</b></div><div class="card">未达标<b>${s.nonCompliantCount}</b></div></div>
    ${barChart({ id: "by-month", title: "各月服务时长（小时）", items: months })}
    ${barChart({ id: "by-unit", title: "报到率前十的单位（%）", items: units, horizontal: true, max: 100 })}
    ${barChart({ id: "by-community", title: "各社区报到人数", items: communities, horizontal: true })}
    <h3>社区服务排名</h3><table><thead><tr><th>名次</th><th>社区</th><th>服务时长</th><th>订单</th><th>活动签到</th></tr></thead><tbody>
    ${d.communityRanking.map((c) => `<tr><td>${c.rank}</td><td>${esc(c.community.name)}</td><td>${c.hours.toFixed(1)}</td><td>${c.orders}</td><td>${c.attendances}</td></tr>`).join("")}
    </tbody></table>`;
}

const auditPaging = newPaging();
async function auditPage() {
  const list = (await gql("AuditEvents", { first: PAGE, after: after(auditPaging) })).auditEvents;
  main.innerHTML = `<h2>审计日志</h2><table><thead><tr><th>时间</th><th>账号</th><th>角色</th><th>操作</th><th>类型</th><th>对象</th></tr></thead><tbody>
    ${list.edges.map(({ node: e }) => `<tr><td>${esc(fmtDate(e.occurredAt))}</td><td>${esc(e.subject)}</td><td>${esc(e.role)}</td>
    <td>${esc(e.operationName || "")}</td><td>${esc(e.kind)}</td><td>${esc(e.targetType)}</td></tr>`).join("")}</tbody></table>`;
  main.append(pager(auditPaging, list.pageInfo, list.totalCount, auditPage));
}

// ---- further screens ---------------------------------------------------------------------

const reviewPaging = { resources: newPaging(), demands: newPaging() };
async function reviewPage() {
  const data = await gql("ReviewQueue", {
    community: viewer.community, first: PAGE,
    afterResources: after(reviewPaging.resources), afterDemands: after(reviewPaging.demands),
  });
  const table = (list, caption) => `<h3>${caption}（${list.totalCount}）</h3><table><thead><tr><th>标题</th><th>类别</th><th>提交时间</th></tr></thead>
    <tbody>${list.edges.map(({ node: i }) => `<tr><td>${esc(i.title)}</td><td>${esc(i.category.name)}</td><td>${esc(fmtDate(i.createdAt))}</td></tr>`).join("")
      || '<tr><td colspan="3">没有待审核的条目。</td></tr>'}</tbody></table>`;
  main.innerHTML = `<h2>审核队列</h2><div id="resources">${table(data.resourceItems, "资源清单待审核")}</div>
    <div id="demands">${table(data.demandItems, "需求清单待审核")}</div>`;
  document.getElementById("resources").append(pager(reviewPaging.resources, data.resourceItems.pageInfo, data.resourceItems.totalCount, reviewPage));
  document.getElementById("demands").append(pager(reviewPaging.demands, data.demandItems.pageInfo, data.demandItems.totalCount, reviewPage));
}

const ACTIVITY_STATUS = { PUBLISHED: "已发布", CERTIFIED: "已认证", CANCELLED: "已取消" };
const activityPaging = { status: "PUBLISHED", cursors: [null] };
async function activitiesPage() {
  const c = (await gql("CommunityActivities", {
    community: viewer.community, statuses: [activityPaging.status], first: PAGE, after: after(activityPaging),
  })).community;
  main.innerHTML = `<h2>${esc(c.name)}：活动</h2><div class="row"><div><label for="activity-status">状态</label>
    <select id="activity-status">${["PUBLISHED", "CERTIFIED", "CANCELLED"].map((v) => `<option value="${v}" ${v === activityPaging.status ? "selected" : ""}>${ACTIVITY_STATUS[v]}</option>`).join("")}</select></div></div>
    <table><thead><tr><th>活动</th><th>时间</th><th>地点</th><th>状态</th><th>报名/名额</th><th>候补</th><th>积分</th><th>签到码</th></tr></thead>
    <tbody>${c.activities.edges.map(({ node: a }) => `<tr><td>${esc(a.title)}</td><td>${esc(fmtDate(a.startsAt))}</td><td>${esc(a.place)}</td>
    <td>${esc(ACTIVITY_STATUS[a.status] || a.status)}</td><td>${a.registeredCount}/${a.capacity}</td><td>${a.waitlistCount}</td><td>${a.pointsPerAttendance}</td>
    <td data-activity="${esc(a.id)}">${a.status === "PUBLISHED" ? '<button class="plain" data-code>生成签到码</button><span data-result></span>' : ""}</td></tr>`).join("")
      || '<tr><td colspan="8">没有该状态的活动。</td></tr>'}</tbody></table>`;
  document.getElementById("activity-status").onchange = (event) => {
    Object.assign(activityPaging, { status: event.target.value, cursors: [null] });
    activitiesPage().catch(showError);
  };
  main.append(pager(activityPaging, c.activities.pageInfo, c.activities.totalCount, activitiesPage));
  for (const cell of main.querySelectorAll("[data-activity]")) {
    const button = cell.querySelector("[data-code]");
    if (button) button.onclick = async () => {
      const result = (await gql("IssueCheckInCode", { input: { activityId: cell.dataset.activity } })).issueCheckInCode;
      cell.querySelector("[data-result]").innerHTML = result.userErrors.length
        ? userErrors(result.userErrors)
        : ` <b class="checkin-code">${esc(result.code)}</b>（${esc(fmtDate(result.expiresAt))} 失效）`;
    };
  }
}

const RED_STATUS = { NONE: "未创建", CANDIDATE: "创建中", CERTIFIED: "红色物业", REVOKED: "已撤销" };
const redPaging = newPaging();
async function redPropertyPage() {
  const c = (await gql("RedProperty", { community: viewer.community, first: PAGE, after: after(redPaging) })).community;
  const mark = (ok) => (ok ? '<span class="tag good">是</span>' : '<span class="tag bad">否</span>');
  main.innerHTML = `<h2>${esc(c.name)}：小区与红色物业</h2><table id="red-property"><thead><tr><th>小区</th><th>物业企业</th><th>红色物业状态</th>
    <th>党组织</th><th>签订承诺</th><th>年度考评通过</th></tr></thead><tbody>
    ${c.compounds.edges.map(({ node: x }) => {
      const company = x.propertyCompany;
      if (!company) return `<tr><td>${esc(x.name)}</td><td colspan="5">无物业（三无小区或自管）</td></tr>`;
      const k = company.redPropertyCriteria;
      return `<tr><td>${esc(x.name)}</td><td>${esc(company.name)}</td><td>${esc(RED_STATUS[company.redPropertyStatus] || company.redPropertyStatus)}</td>
        <td>${mark(k.partyOrganisation)}</td><td>${mark(k.commitmentsSigned)}</td><td>${mark(k.evaluationPassed)}${k.evaluationYear ? `（${k.evaluationYear}）` : ""}</td></tr>`;
    }).join("")}</tbody></table>`;
  main.append(pager(redPaging, c.compounds.pageInfo, c.compounds.totalCount, redPropertyPage));
}

async function standingsPage() {
  const data = await gql("DistrictStandings", { year, first: PAGE });
  const d = data.district;
  const branches = (list, caption) => `<h3>${caption}（${list.totalCount}）</h3><table><thead><tr><th>支部</th><th>单位</th><th>党员</th><th>说明</th></tr></thead>
    <tbody>${list.edges.map(({ node: b }) => `<tr><td>${esc(b.branch.name)}</td><td>${esc(b.branch.unit.name)}</td><td>${b.members}</td><td>${esc(b.reason)}</td></tr>`).join("")}</tbody></table>`;
  main.innerHTML = `<h2>${year}年红旗支部与物业排名</h2>
    ${barChart({ id: "by-category", title: "各类别服务时长（小时）", items: d.serviceByCategory.map((c) => ({ label: c.category ? c.category.name : "其他", value: c.hours })), horizontal: true })}
    ${branches(d.redFlagBranches, "红旗支部（前20）")}${branches(d.ineligibleBranches, "不具备评选资格的支部（前20）")}
    <h3>物业服务企业排名</h3><table><thead><tr><th>名次</th><th>企业</th><th>总分</th><th>达标</th><th>奖励档次</th><th>奖励（元）</th></tr></thead>
    <tbody>${data.propertyRanking.map((r) => `<tr><td>${r.rank}</td><td>${esc(r.company ? r.company.name : "")}</td><td>${esc(r.total)}</td>
    <td>${r.passed ? "是" : "否"}</td><td>${esc(r.tierName || "")}</td><td>${esc(r.amountYuan)}</td></tr>`).join("") || '<tr><td colspan="6">本年度尚无排名。</td></tr>'}</tbody></table>`;
}

const SIGNUP_STATUS = { REGISTERED: "已报名", WAITLISTED: "候补", CANCELLED: "已取消", ATTENDED: "已签到", CERTIFIED: "已认证", ABSENT: "缺席" };
const myActivityPaging = newPaging();
async function myActivitiesPage() {
  const data = await gql("MyActivitiesAndPoints", { first: PAGE, after: after(myActivityPaging) });
  const me = data.me;
  if (!me) { main.innerHTML = '<p class="error" role="alert">找不到您的党员信息。</p>'; return; }
  main.innerHTML = `<div class="narrow"><h2>我的活动</h2>${me.activitySignups.edges.map(({ node: a }) => `<article class="order">
    <h3>${esc(a.activity ? a.activity.title : "")}</h3><p>${esc(a.activity ? `${fmtDate(a.activity.startsAt)} · ${a.activity.place}` : "")}
    · ${esc(SIGNUP_STATUS[a.status] || a.status)}${a.points ? ` · ${a.points} 积分` : ""}</p></article>`).join("") || "<p>暂无活动报名。</p>"}
    <div id="my-activities-pager"></div>
    <h2>积分与积分超市</h2><p>积分余额：<b>${me.points ? me.points.balance : 0}</b></p>
    <table><thead><tr><th>商品</th><th>所需积分</th><th>库存</th><th>商家</th></tr></thead><tbody>
    ${data.mallItems.edges.map(({ node: i }) => `<tr><td>${esc(i.name)}</td><td>${i.pricePoints}</td><td>${i.stock}</td><td>${esc(i.merchant ? i.merchant.name : "")}</td></tr>`).join("")}</tbody></table></div>`;
  document.getElementById("my-activities-pager").append(pager(myActivityPaging, me.activitySignups.pageInfo, me.activitySignups.totalCount, myActivitiesPage));
}

// ---- routing ----------------------------------------------------------------------------

function showError(error) {
  main.innerHTML = `<p class="error" role="alert">${esc(error.message)}</p>`;
}

async function route() {
  const hash = location.hash || "#/signin";
  if (hash === "#/signin" || !token()) { signInPage(); return; }
  if (!viewer) { await enter(); return; }
  chrome();
  const [, page, arg] = hash.split("/");
  main.setAttribute("aria-busy", "true");
  try {
    if (page === "branch") await (arg === "noncompliant" ? nonCompliantPage() : branchPage());
    else if (page === "member" && arg) await memberPage(decodeURIComponent(arg));
    else if (page === "community" && arg === "supporters") await supportersPage();
    else if (page === "community" && arg === "review") await reviewPage();
    else if (page === "community" && arg === "activities") await activitiesPage();
    else if (page === "community" && arg === "red-property") await redPropertyPage();
    else if (page === "community") await ordersPage(arg === "waiting");
    else if (page === "me" && arg === "activities") await myActivitiesPage();
    else if (page === "me") await mePage();
    else if (page === "order" && arg) await orderPage(decodeURIComponent(arg));
    else if (page === "district" && arg === "standings") await standingsPage();
    else if (page === "district") await districtPage();
    else if (page === "audit") await auditPage();
    else location.hash = HOMES[viewer.role];
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  } catch (error) {
    showError(error);
  } finally {
    main.removeAttribute("aria-busy");
    document.body.dataset.ready = hash;
  }
}

async function start() {
  config = await (await fetch("config.json")).json();
  window.addEventListener("hashchange", () => route().catch(showError));
  await route().catch((error) => { signInPage(); say(error.message); });
  document.body.dataset.ready = document.body.dataset.ready || "signin";
}

start();
