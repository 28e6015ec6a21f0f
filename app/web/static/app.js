// Diaspora Desk web client: plain ES modules, no build step, one module per screen.
import { $ } from "./dom.js";
import { i18n, translatePage } from "./i18n.js";
import { initPerson } from "./person.js";
import { initQueue, loadQueue } from "./queue.js";
import { initRegister } from "./register.js";
import { initSearch } from "./search.js";
import { initSession } from "./session.js";
import { initTabs, onTab } from "./tabs.js";

$("#lang").addEventListener("click", () => {
  i18n.lang = i18n.lang === "fr" ? "en" : "fr";
  sessionStorage.setItem("lang", i18n.lang);
  translatePage();
  $("#lang").lang = i18n.lang === "fr" ? "en" : "fr";
});

translatePage();
initTabs();
onTab("cases", () => loadQueue());
initSearch();
initPerson();
initRegister();
initQueue();
initSession();
