-- Two things a REST request needs before the transcoder turns it into gRPC:
--
-- 1. Comma lists for every repeated query parameter (LIST_PARAMS): `breakdowns=DIMENSION_PLATFORM,
--    DIMENSION_REGION` becomes `breakdowns=DIMENSION_PLATFORM&breakdowns=DIMENSION_REGION`, so enum
--    lists work like string lists (the transcoder parses each value as one enum). One rule for all:
--    the edge splits; repeating the parameter works too. (order_by and update_mask keep their commas:
--    they are single values with a grammar of their own.)
--
-- 2. Which JSON fields a REST body named, because the transcoder does not say: it drops a field the
--    target message lacks and forwards the rest, so `{"campaign":{…}}` sent where the body is the
--    campaign itself, or a misspelled `"descripton"`, would answer 200 — and an update whose mask
--    names a field the body left out would clear it. Every distinct key path of the body (array
--    indices collapsed: `events[].type`) goes to the service in x-tally-body-fields; the service's
--    input boundary refuses a path its contract lacks and an update_mask path the body did not send
--    (services/common/src/input/body-fields.ts).
--
-- Runs after the buffer filter, so the whole body (≤ 4 MiB) is already here. Malformed JSON is left
-- to the transcoder, which answers 400 itself. Keys with characters other than [A-Za-z0-9_] are
-- percent-encoded so the header stays printable; the list is cut after MAX_PATHS distinct paths or
-- MAX_CHARS characters and then ends with `...` (a map with many keys, e.g. event attributes).

-- Repeated query parameters of the REST routes (proto field names and their JSON names).
local LIST_PARAMS = {
  breakdowns = true,
  platforms = true,
  regions = true,
  campaign_ids = true,
  campaignIds = true,
}

local HEADER = "x-tally-body-fields"
local MAX_PATHS = 200
local MAX_CHARS = 8192
local MAX_KEY_CHARS = 64

local function encodeKey(key)
  if #key > MAX_KEY_CHARS then
    key = key:sub(1, MAX_KEY_CHARS)
  end
  return (key:gsub("[^%w_]", function(ch)
    return string.format("%%%02X", ch:byte())
  end))
end

-- The distinct key paths of a JSON text, in first-seen order, and whether the list was cut; nil
-- when the text is not a JSON object.
local function keyPaths(json)
  local paths, seen, chars, cut = {}, {}, 0, false
  local stack, top = {}, nil
  local i, n = 1, #json
  while i <= n do
    local s, _, c = json:find('([{}%[%]",:])', i)
    if not s then
      break
    end
    if c == '"' then
      local j = s + 1
      while true do
        local q = json:find('["\\]', j)
        if not q then
          return nil
        end
        if json:byte(q) == 92 then
          j = q + 2
        else
          j = q
          break
        end
      end
      if top and top.object and top.expectKey then
        top.expectKey = false
        top.key = encodeKey(json:sub(s + 1, j - 1))
        local path = top.path == "" and top.key or (top.path .. "." .. top.key)
        if not seen[path] and not cut then
          if #paths >= MAX_PATHS or chars + #path + 1 > MAX_CHARS then
            cut = true
          else
            seen[path] = true
            paths[#paths + 1] = path
            chars = chars + #path + 1
          end
        end
      end
      i = j + 1
    elseif c == "{" or c == "[" then
      local path = ""
      if top == nil then
        if c ~= "{" then
          return nil
        end
      elseif top.object then
        path = top.path == "" and (top.key or "") or (top.path .. "." .. (top.key or ""))
      else
        path = top.path .. "[]"
      end
      top = { object = (c == "{"), path = path, expectKey = (c == "{") }
      stack[#stack + 1] = top
      i = s + 1
    elseif c == "}" or c == "]" then
      stack[#stack] = nil
      top = stack[#stack]
      i = s + 1
    elseif c == "," then
      if top and top.object then
        top.expectKey = true
      end
      i = s + 1
    else
      i = s + 1
    end
  end
  if top ~= nil or #stack > 0 then
    return nil
  end
  return paths, cut
end

-- The path with every LIST_PARAMS value split at its commas (`,` or `%2C`), or nil if unchanged.
local function splitLists(path)
  local q = path:find("?", 1, true)
  if q == nil or not (path:find(",", q, true) or path:find("%%2[Cc]", q)) then
    return nil
  end
  local out, changed = {}, false
  for pair in path:sub(q + 1):gmatch("[^&]+") do
    local key, value = pair:match("^([^=]*)=(.*)$")
    if key and LIST_PARAMS[key] and (value:find(",", 1, true) or value:find("%%2[Cc]")) then
      changed = true
      for part in value:gsub("%%2[Cc]", ","):gmatch("[^,]+") do
        out[#out + 1] = key .. "=" .. part
      end
    else
      out[#out + 1] = pair
    end
  end
  if not changed then
    return nil
  end
  return path:sub(1, q) .. table.concat(out, "&")
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get(":path") or ""
  local split = splitLists(path)
  if split then
    headers:replace(":path", split)
  end
  -- The live stream's answer is NDJSON; local-reply.lua labels it so on the way out.
  if path:find("/metrics:stream", 1, true) then
    handle:streamInfo():dynamicMetadata():set("tally.rest", "stream", true)
  end
  -- Only what this filter wrote may reach a service.
  headers:remove(HEADER)
  local contentType = headers:get("content-type") or ""
  if contentType:find("^application/grpc") then
    return
  end
  local method = headers:get(":method")
  if method ~= "POST" and method ~= "PATCH" and method ~= "PUT" then
    return
  end
  local body = handle:body()
  if body == nil or body:length() == 0 then
    return
  end
  local paths, cut = keyPaths(body:getBytes(0, body:length()))
  if paths == nil then
    return
  end
  local list = table.concat(paths, ",")
  if cut then
    list = list .. (list == "" and "..." or ",...")
  end
  -- Waiting for the body ends the scope of header objects fetched before it: fetch them again.
  handle:headers():replace(HEADER, list == "" and "-" or list)
end
