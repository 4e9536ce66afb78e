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

local MARKER = "x-tally-local-reply"
local MAX_CHARS = 300

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
