-- wrk script for the echo-1m case: every request POSTs the same 1 MiB body, built once per wrk thread.
-- wrk.format() adds the Content-Length header from wrk.body.
local size = 1024 * 1024
local pattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/"  -- 64 bytes
wrk.method = "POST"
wrk.body = string.rep(pattern, math.floor(size / #pattern))
wrk.headers["Content-Type"] = "application/octet-stream"
