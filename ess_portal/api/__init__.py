"""Library pieces of the partner API, imported by each app's `api` module.

- `auth`: partner tokens (`Authorization: Bearer …`) and staff sessions; who may read what.
- `permissions`: what each caller may do (anonymous reads, scoped token writes).
- `throttling`: request rates per address and per token.
- `pagination`: page numbers and stable ordering.
- `errors`: one JSON error shape for every answer of `/api/v1/`.
- `conditional`: ETag / Last-Modified, 304 and If-Match on writes.
- `formats`: streamed GeoJSON and CSV lists.
- `filters`: filters and fields shared by several resources (bounding box, public codes).
- `schema`: the OpenAPI schema's defaults and shared response descriptions.
- `views`: the base every resource view builds on.

The routes live in `ess_portal.api_urls`, which imports the apps; nothing here imports them.
"""
