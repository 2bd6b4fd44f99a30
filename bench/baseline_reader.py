"""The read benchmark's baseline: a minimal ASGI app on redis-py serving the same JSON as newsfeed.

    python -m bench.baseline_reader --redis-url URL --prefix P --port N

No framework, no validation, no caching headers: for each request it reads the members
and the stored article documents, decodes each document, picks the card fields and
encodes the answer, the straightforward way to serve newsfeed's read model. Run under
uvicorn with the same settings as `newsfeed api` (uvloop, httptools, one process).
"""

from __future__ import annotations

import argparse
import base64
from typing import Any
from urllib.parse import parse_qs

import orjson
import redis.asyncio as aioredis
import uvicorn

from newsfeed_readmodel.cards import CARD_FIELDS
from newsfeed_schemas.streams import key_root


def _card(document: dict[str, Any]) -> dict[str, Any]:
    return {name: document.get(name) for name in CARD_FIELDS}


def build(url: str, prefix: str) -> Any:
    redis = aioredis.Redis.from_url(url)

    async def documents(ids: list[str]) -> list[dict[str, Any]]:
        async with redis.pipeline(transaction=False) as pipe:
            for article_id in ids:
                pipe.hget(f"{key_root(prefix)}:article:{article_id}", "doc")
            return [orjson.loads(raw) for raw in await pipe.execute() if raw]

    async def feed(query: dict[str, list[str]]) -> bytes:
        limit = int(query.get("limit", ["20"])[0])
        cursor = query.get("cursor", [None])[0]
        high = "(" + base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode() if cursor else "+"
        members = await redis.zrevrangebylex(f"{key_root(prefix)}:feed:all", high, "-", start=0, num=limit + 1)
        page = [m.decode()[16:] for m in members[:limit]]
        following = base64.urlsafe_b64encode(members[limit - 1]).decode().rstrip("=") if len(members) > limit else None
        return orjson.dumps({"items": [_card(d) for d in await documents(page)], "next_cursor": following})

    async def article(article_id: str, related_only: bool) -> bytes:
        ranked = await redis.zrevrange(f"{key_root(prefix)}:related:{article_id}", 0, 4, withscores=True)
        cards = [
            {**_card(d), "score": round(s, 4)}
            for d, (_, s) in zip(await documents([m.decode() for m, _ in ranked]), ranked, strict=False)
        ]
        if related_only:
            return orjson.dumps({"items": cards})
        (document,) = await documents([article_id])
        return orjson.dumps({**document, "related": cards})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        query = parse_qs(scope["query_string"].decode())
        if path == "/v1/feed":
            body = await feed(query)
        elif path.startswith("/v1/articles/"):
            parts = path.split("/")
            body = await article(parts[3], related_only=len(parts) > 4)
        else:
            body = b"{}"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.redis_url, args.prefix), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
