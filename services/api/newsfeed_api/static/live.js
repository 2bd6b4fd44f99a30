// newsfeed: progressive enhancement of the server-rendered pages. Everything works without it.
// - "N new articles": live updates of the feed over Server-Sent Events, inserted on click;
// - "Show more" appends the next page in place;
// - relative times ("5 min ago") stay current.
(function () {
  "use strict";

  // Calendar days between two moments in the reader's own time zone (Saturday 23:00 to Monday
  // 01:00 is two days, though only 26 hours apart): "yesterday" is the day before today, here.
  function daysBetween(then, now) {
    var day = function (d) { return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()); };
    return Math.round((day(now) - day(then)) / 86400000);
  }

  function relative(iso) {
    var then = new Date(Date.parse(iso)), now = new Date();
    var seconds = (now - then) / 1000;
    if (!isFinite(seconds) || seconds < -60) return null; // dated ahead (a clock a minute off aside): its date
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) { var h = Math.floor(seconds / 3600); return h + (h === 1 ? " hour ago" : " hours ago"); }
    var days = daysBetween(then, now);
    if (days <= 1) return "yesterday";
    if (days < 7) return days + " days ago";
    return null; // older: the server's date ("17 Feb 2025") stays
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll("time[datetime][title]").forEach(function (node) {
      var text = relative(node.getAttribute("datetime"));
      if (text) node.textContent = text;
    });
  }

  function cardsIn(html) {
    var box = document.createElement("ol");
    box.innerHTML = html;
    return Array.prototype.slice.call(box.querySelectorAll("li.card"));
  }

  function showMore(link, feed) {
    link.addEventListener("click", function (event) {
      var cursor = link.getAttribute("data-cursor");
      if (!cursor || !feed || !window.fetch) return;
      event.preventDefault();
      var url = new URL(link.closest("main").querySelector(".live-bar").getAttribute("data-fragments"), location.href);
      url.searchParams.set("cursor", cursor);
      link.setAttribute("aria-busy", "true");
      fetch(url, { headers: { Accept: "text/html" } }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        var next = response.headers.get("X-Next-Cursor");
        return response.text().then(function (html) {
          cardsIn(html).forEach(function (card) {
            if (!byId(feed, card.getAttribute("data-id"))) feed.appendChild(card);
          });
          refreshTimes(feed);
          if (next) {
            link.setAttribute("data-cursor", next);
            var page = new URL(link.href, location.href);
            page.searchParams.set("cursor", next);
            link.href = page.toString();
          } else {
            link.parentNode.removeChild(link);
            var last = feed.querySelector("li.card:last-child .card-title a");
            if (last) last.focus(); // the link had focus: keep the reader where the list ends
          }
        });
      }).catch(function () { location.href = link.href; })
        .finally(function () { link.removeAttribute("aria-busy"); });
    });
  }

  function byId(feed, id) {
    return feed.querySelector('li.card[data-id="' + CSS.escape(id) + '"]');
  }

  // The first cards of the feed as the server has them now (revalidated: never a cached copy).
  function freshCards(bar, limit) {
    var url = new URL(bar.getAttribute("data-fragments"), location.href);
    url.searchParams.set("limit", String(Math.min(Math.max(limit, 20), 100)));
    return fetch(url, { headers: { Accept: "text/html" }, cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(cardsIn);
  }

  // Where `cards[index]` goes in the page: before the next card of the feed's order the page
  // shows, or after the previous one; undefined when the page shows neither (it is further down).
  function placeOf(feed, cards, index) {
    for (var next = index + 1; next < cards.length; next++) {
      var after = byId(feed, cards[next].getAttribute("data-id"));
      if (after) return after;
    }
    for (var previous = index - 1; previous >= 0; previous--) {
      var before = byId(feed, cards[previous].getAttribute("data-id"));
      if (before) return before.nextSibling;
    }
    return feed.querySelector("li.card") ? undefined : null;
  }

  function live(bar, feed) {
    if (!window.EventSource || !feed) return;
    var button = bar.querySelector(".live-button");
    var pending = [];
    var stale = false;

    function announce() {
      if (stale) return;
      button.textContent = pending.length === 1 ? "1 new article" : pending.length + " new articles";
      button.hidden = pending.length === 0;
    }

    var lastId = null, delay = 2000, source = null, retry = null;
    // The browser reconnects by itself when a stream ends; when the server refuses it (503 while
    // Redis is away) the browser gives up, so the page opens a stream again, from the last change
    // it saw, waiting longer each time (up to a minute).
    function open(again) {
      clearTimeout(retry);
      var url = new URL(bar.getAttribute("data-live"), location.href);
      if (lastId) url.searchParams.set("last_event_id", lastId);
      var opened = source = new EventSource(url.toString());
      opened.addEventListener("open", function () {
        delay = 2000;
        if (again) catchUp(); // once the stream carries what comes next, fetch what came before
      });
      opened.addEventListener("error", function () {
        if (opened.readyState !== EventSource.CLOSED || opened !== source) return;
        retry = setTimeout(function () { open(true); }, delay);
        delay = Math.min(delay * 2, 60000);
      });
      opened.addEventListener("feed.changed", changed);
      opened.addEventListener("feed.reload", reload);
    }

    // A stream opened anew from the last change the page saw replays what it missed. A page that
    // saw none yet (its position came in an `id:` line, which reaches no script) compares its
    // first cards with the feed's instead, so nothing published meanwhile goes unannounced. A
    // later page ("Show more" without script) shows older cards: its new ones are on the first.
    function catchUp() {
      if (lastId || new URL(location.href).searchParams.has("cursor")) return;
      var first = feed.querySelector("li.card");
      freshCards(bar, 20).then(function (cards) {
        for (var i = 0; i < cards.length; i++) {
          var id = cards[i].getAttribute("data-id");
          if (first && id === first.getAttribute("data-id")) break;
          if (!byId(feed, id) && pending.indexOf(id) < 0) pending.push(id);
        }
        announce();
      }).catch(function () {});
    }

    // A browser keeps six connections to a site over HTTP/1.1, and each open stream holds one:
    // a tab in the background closes its stream, so a reader's seventh tab still loads; back in
    // front, it opens it again and catches up.
    function hidden() {
      clearTimeout(retry);
      if (source) source.close();
      source = null;
    }

    function shown() {
      if (!source) open(true);
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") hidden(); else shown();
    });

    function changed(message) {
      var change;
      if (message.lastEventId) lastId = message.lastEventId;
      try { change = JSON.parse(message.data); } catch (e) { return; }
      (change.removed || []).forEach(function (id) {
        var card = byId(feed, id);
        if (card) card.parentNode.removeChild(card);
        pending = pending.filter(function (other) { return other !== id; });
      });
      (change.inserted || []).concat(change.moved || []).forEach(function (id) {
        if (!byId(feed, id) && pending.indexOf(id) < 0) pending.push(id);
      });
      announce();
      // a card shown here changed (a corrected headline) or moved (a corrected date, often with a
      // corrected headline): show it as it is now, where the feed has it now
      var shown = function (id) { return byId(feed, id); };
      var changed = (change.updated || []).filter(shown), moved = (change.moved || []).filter(shown);
      if (changed.length || moved.length) {
        freshCards(bar, 100).then(function (cards) {
          cards.forEach(function (card, index) {
            var id = card.getAttribute("data-id"), old = byId(feed, id);
            if (!old || (changed.indexOf(id) < 0 && moved.indexOf(id) < 0)) return;
            card.className = old.className;
            if (moved.indexOf(id) < 0) { old.parentNode.replaceChild(card, old); return; }
            old.parentNode.removeChild(old);
            var place = placeOf(feed, cards, index);
            if (place !== undefined) feed.insertBefore(card, place); // else further down: "Show more"
          });
          // a moved card the first 100 no longer hold went further down than a page of up to 100 shows
          var many = feed.querySelectorAll("li.card").length > 100;
          moved.forEach(function (id) {
            var gone = !cards.some(function (card) { return card.getAttribute("data-id") === id; });
            var old = byId(feed, id);
            if (gone && old && !many) old.parentNode.removeChild(old);
          });
          refreshTimes(feed);
        }).catch(function () {});
      }
    }

    function reload() {
      // changes were missed that cannot be replayed: only a fresh page shows the feed as it is
      stale = true;
      button.textContent = "Newer articles: reload";
      button.hidden = false;
    }

    if (document.visibilityState !== "hidden") open();
    button.addEventListener("click", function () {
      if (stale) { location.reload(); return; }
      var here = new URL(location.href);
      if (here.searchParams.has("cursor")) {
        // a later page ("Show more" without script): the new articles are on the first page
        here.searchParams.delete("cursor");
        location.href = here.toString();
        return;
      }
      var wanted = pending.slice();
      freshCards(bar, wanted.length).then(function (cards) {
        var inserted = [];
        cards.forEach(function (card, index) {
          var id = card.getAttribute("data-id");
          if (wanted.indexOf(id) < 0 || byId(feed, id)) return;
          var place = placeOf(feed, cards, index);
          if (place === undefined) return; // older than what the page shows: "Show more" brings it
          card.classList.add("is-new");
          feed.insertBefore(card, place);
          inserted.push(card);
        });
        // the lead is the newest card of a page as loaded; once cards arrive, all are alike
        feed.querySelectorAll("li.card-lead").forEach(function (card) { card.classList.remove("card-lead"); });
        refreshTimes(feed);
        pending = pending.filter(function (id) { return wanted.indexOf(id) < 0; });
        announce();
        if (inserted.length) { var link = inserted[0].querySelector(".card-title a"); if (link) link.focus(); }
      }).catch(function () { location.reload(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var feed = document.querySelector("ol.feed");
    var bar = document.querySelector(".live-bar");
    var more = document.querySelector("a.more[data-cursor]");
    refreshTimes();
    setInterval(refreshTimes, 60000);
    if (bar) live(bar, feed);
    if (more) showMore(more, feed);
  });
})();
