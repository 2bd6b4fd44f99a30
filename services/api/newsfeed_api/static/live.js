// newsfeed: progressive enhancement of the server-rendered pages. Everything works without it.
// - "N new articles": live updates of the feed over Server-Sent Events, inserted on click;
// - "Show more" appends the next page in place;
// - relative times ("5 min ago") stay current.
(function () {
  "use strict";

  function relative(iso) {
    var seconds = (Date.now() - Date.parse(iso)) / 1000;
    if (!isFinite(seconds)) return null;
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) { var h = Math.floor(seconds / 3600); return h + (h === 1 ? " hour ago" : " hours ago"); }
    if (seconds < 172800) return "yesterday";
    if (seconds < 604800) return Math.floor(seconds / 86400) + " days ago";
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

  function shown(feed, id) {
    return feed.querySelector('li.card[data-id="' + CSS.escape(id) + '"]') !== null;
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
            if (!shown(feed, card.getAttribute("data-id"))) feed.appendChild(card);
          });
          refreshTimes(feed);
          if (next) {
            link.setAttribute("data-cursor", next);
            var page = new URL(link.href, location.href);
            page.searchParams.set("cursor", next);
            link.href = page.toString();
          } else {
            link.parentNode.removeChild(link);
          }
        });
      }).catch(function () { location.href = link.href; })
        .finally(function () { link.removeAttribute("aria-busy"); });
    });
  }

  function live(bar, feed) {
    if (!window.EventSource || !feed) return;
    var button = bar.querySelector(".live-button");
    var pending = [];
    var stale = false;
    var source = new EventSource(bar.getAttribute("data-live"));
    source.addEventListener("feed.changed", function (message) {
      var change;
      try { change = JSON.parse(message.data); } catch (e) { return; }
      (change.removed || []).forEach(function (id) {
        var card = feed.querySelector('li.card[data-id="' + CSS.escape(id) + '"]');
        if (card) card.parentNode.removeChild(card);
      });
      (change.inserted || []).forEach(function (id) {
        if (!shown(feed, id) && pending.indexOf(id) < 0) pending.push(id);
      });
      if (pending.length && !stale) {
        button.textContent = pending.length === 1 ? "1 new article" : pending.length + " new articles";
        button.hidden = false;
      }
    });
    source.addEventListener("feed.reload", function () {
      // changes were missed that cannot be replayed: only a fresh page shows the feed as it is
      stale = true;
      button.textContent = "Newer articles: reload";
      button.hidden = false;
    });
    button.addEventListener("click", function () {
      if (stale) { location.reload(); return; }
      var wanted = pending.slice();
      var url = new URL(bar.getAttribute("data-fragments"), location.href);
      url.searchParams.set("limit", String(Math.min(Math.max(wanted.length, 20), 100)));
      fetch(url, { headers: { Accept: "text/html" } }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var fresh = cardsIn(html).filter(function (card) {
          return wanted.indexOf(card.getAttribute("data-id")) >= 0 && !shown(feed, card.getAttribute("data-id"));
        });
        fresh.reverse().forEach(function (card) {
          card.classList.add("is-new");
          card.classList.remove("card-lead");
          feed.insertBefore(card, feed.firstChild);
        });
        refreshTimes(feed);
        pending = pending.filter(function (id) { return wanted.indexOf(id) < 0; });
        button.hidden = pending.length === 0;
        if (fresh.length) { var link = fresh[fresh.length - 1].querySelector(".card-title a"); if (link) link.focus(); }
      });
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
