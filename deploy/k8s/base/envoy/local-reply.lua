-- Finishes the JSON errors that Envoy makes itself (envoy.yaml, local_reply_config): the mappers
-- render {"code","details":[ErrorInfo],"message"} and mark the reply with x-tally-local-reply; here
-- the message is cut to MAX_CHARS characters (Envoy's messages echo bad values and paths, which may
-- be kilobytes long), and a 400 from the transcoder that names a field gets google.rpc.BadRequest,
-- as a service's INVALID_ARGUMENT does.
--
-- Transcoder messages that name a field:
--   events[0].value_micros: invalid value "abc" for type TYPE_INT64
--   campaign.start_time: invalid value Field 'startTime', Illegal timestamp format; ...
--   Could not find field "foo" in the type "tally.campaign.v1.ListCampaignsRequest".
-- Malformed JSON ("Unexpected token.", ": Root element must be a message.") names none.

--
-- It also finishes every REST answer (anything but native gRPC, which keeps its headers):
--   * no grpc-* headers: they are the transcoder's plumbing (grpc-status "0" on a 200), not REST;
--   * the live stream (`…/metrics:stream`, flagged by rest-request.lua) is application/x-ndjson;
--   * a known path with a method it does not take is 405 with `Allow`, not the transcoder's 404.

local MARKER = "x-tally-local-reply"
local MAX_CHARS = 300

-- Headers the gRPC side adds that a REST client must not see.
local GRPC_HEADERS = { "grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding", "grpc-accept-encoding" }

-- Every REST path template of proto/ (the OpenAPI document's paths) and the methods it takes;
-- {var} segments never contain "/" or ":", so `/v1/campaigns/x:frobnicate` matches none and stays 404.
-- scripts/dev/envoy-routes.test.ts fails when this table and openapi/tally.openapi.json disagree.
local REST_ROUTES = {
  { "/v1/apiKeys", "GET, POST" },
  { "/v1/apiKeys/{id}", "DELETE" },
  { "/v1/auth:login", "POST" },
  { "/v1/auth:register", "POST" },
  { "/v1/campaignPerformance", "GET" },
  { "/v1/campaigns", "GET, POST" },
  { "/v1/campaigns/{id}", "GET, PATCH, DELETE" },
  { "/v1/campaigns/{campaignId}/insights", "GET" },
  { "/v1/campaigns/{campaignId}/metrics:stream", "GET" },
  { "/v1/campaigns/{campaignId}/sourceComparison", "GET" },
  { "/v1/campaigns/{campaignId}:fetchPlatformData", "POST" },
  { "/v1/campaigns/{campaignId}:reaggregate", "POST" },
  { "/v1/campaigns/{id}:cancel", "POST" },
  { "/v1/campaigns/{id}:complete", "POST" },
  { "/v1/campaigns/{id}:launch", "POST" },
  { "/v1/campaigns/{id}:pause", "POST" },
  { "/v1/campaigns/{id}:resume", "POST" },
  { "/v1/campaigns/{id}:undelete", "POST" },
  { "/v1/conversionActions", "GET, POST" },
  { "/v1/conversionActions/{id}", "DELETE" },
  { "/v1/events:ingest", "POST" },
  { "/v1/platformConnections", "GET, POST" },
  { "/v1/platformConnections/{id}", "GET, DELETE" },
  { "/v1/platformFetchJobs/{id}", "GET" },
  { "/v1/platformReports:ingest", "POST" },
  { "/v1/users", "POST" },
}

-- The templates as anchored Lua patterns, built once per worker.
local ROUTE_PATTERNS = {}
for i, route in ipairs(REST_ROUTES) do
  local pattern = route[1]:gsub("[%-%.%+%*%?%^%$%%]", "%%%0"):gsub("{[^}]+}", "[^/:]+")
  ROUTE_PATTERNS[i] = { "^" .. pattern .. "$", route[2] }
end

-- The methods a known path takes; nil for a path no route has.
local function allowedMethods(path)
  path = path:gsub("%?.*$", "")
  for _, route in ipairs(ROUTE_PATTERNS) do
    if path:find(route[1]) then
      return route[2]
    end
  end
  return nil
end

-- The transcoder's 404 for a path it knows under another method becomes 405 with Allow (RFC 9110
-- §15.5.6), in the shape of every error; true when it did.
local function methodNotAllowed(handle, headers, body, message)
  local path = message:match("^Could not resolve (.-) to a method%.$")
  local allow = path and allowedMethods(path)
  if allow == nil then
    return false
  end
  local out = '{"code":12,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","domain":"tally.dev","metadata":{"allow":"'
    .. allow .. '"},"reason":"METHOD_NOT_ALLOWED"}],"message":"this path takes only ' .. allow .. '"}'
  headers:replace(":status", "405")
  headers:replace("allow", allow)
  body:setBytes(out)
  headers:replace("content-length", tostring(#out))
  return true
end

-- REST answers lose the gRPC plumbing; the live stream says what it is.
local function finishRest(handle, headers)
  local contentType = headers:get("content-type")
  if contentType ~= nil and contentType:find("^application/grpc") then
    return
  end
  for _, name in ipairs(GRPC_HEADERS) do
    headers:remove(name)
  end
  if contentType == "application/json" and headers:get("content-length") == nil then
    local meta = handle:streamInfo():dynamicMetadata():get("tally.rest")
    if meta ~= nil and meta.stream then
      headers:replace("content-type", "application/x-ndjson")
    end
  end
end

-- `escaped` is the inside of a JSON string as Envoy printed it. Keeps at most `limit` characters,
-- never splitting an escape sequence or a UTF-8 character, and marks a cut with an ellipsis.
local function cut(escaped, limit)
  local i, count, len = 1, 0, #escaped
  while i <= len and count < limit do
    local b = escaped:byte(i)
    if b == 92 then -- backslash: \uXXXX or a two-character escape
      i = i + ((escaped:byte(i + 1) == 117) and 6 or 2)
    elseif b >= 240 then
      i = i + 4
    elseif b >= 224 then
      i = i + 3
    elseif b >= 192 then
      i = i + 2
    else
      i = i + 1
    end
    count = count + 1
  end
  if i > len then
    return escaped
  end
  return escaped:sub(1, i - 1) .. "…"
end

-- The field a transcoder message names, and what is wrong with it; nil when it names none.
local function violation(message)
  local field, description = message:match("^([%w_]+[%w_%.%[%]]*): (.+)$")
  if field then
    return field, description
  end
  field = message:match('^Could not find field \\"([^\\]+)\\" in the type')
  if field then
    return field, "unknown query parameter"
  end
  return nil
end

-- A transcoded answer to If-None-Match that names the current ETag (services/analytics/src/rpc/
-- insights-etag.ts): the service sends an empty message marked with this header; the REST client
-- gets 304 Not Modified with the ETag and Cache-Control, and no body. gRPC clients (content-type
-- application/grpc) keep the marker: they asked with if-none-match metadata and read it.
local NOT_MODIFIED = "x-tally-not-modified"

local function notModified(handle)
  local headers = handle:headers()
  local contentType = headers:get("content-type") or ""
  if contentType:sub(1, 16) ~= "application/json" then
    return
  end
  headers:remove(NOT_MODIFIED)
  headers:replace(":status", "304")
  headers:remove("content-type")
  local body = handle:body()
  if body ~= nil then
    body:setBytes("")
  end
  headers:remove("content-length")
end

function envoy_on_response(handle)
  finishRest(handle, handle:headers())
  if handle:headers():get(NOT_MODIFIED) ~= nil then
    notModified(handle)
    return
  end
  if handle:headers():get(MARKER) == nil then
    return
  end
  handle:headers():remove(MARKER)
  local body = handle:body()
  if body == nil then
    return
  end
  -- Waiting for the body ends the scope of header objects fetched before it: fetch them again.
  local headers = handle:headers()
  local json = body:getBytes(0, body:length())
  -- json_format prints keys sorted: code, details, message. The message is last.
  local head, message = json:match('^(.*,"message":")(.*)"}%s*$')
  if head == nil then
    return
  end
  if headers:get(":status") == "404" and methodNotAllowed(handle, headers, body, message) then
    return
  end
  if headers:get(":status") == "400" then
    local field, description = violation(message)
    local close = head:find('}],"message":"', 1, true)
    if field and close then
      local badRequest = '{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"'
        .. cut(field, MAX_CHARS) .. '","description":"' .. cut(description, MAX_CHARS) .. '"}]}'
      head = head:sub(1, close) .. "," .. badRequest .. head:sub(close + 1)
    end
  end
  local out = head .. cut(message, MAX_CHARS) .. '"}'
  body:setBytes(out)
  headers:replace("content-length", tostring(#out))
end
