-- wrk script: POST /v1/messages with a unique idempotency key per request, so every request
-- is a new send (a repeated key would be a cheap replay, not the path being measured).
-- The token comes from the CCX_TOKEN environment variable.

local threads = {}
local counter = 0
local prefix = ""

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CCX_TOKEN")
wrk.headers["CCX-Version"] = "2026-11-01"
wrk.headers["Content-Type"] = "application/json"

local template = '{"to":"+5511999990000","channel":"whatsapp","template":{"name":"order_confirmation",'
  .. '"language":"pt_BR","variables":{"1":"Maria","2":"#A8492","3":"R$ 349,90"}},'
  .. '"idempotency_key":"%s-%d"}'

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  -- Unique across threads and across runs against the same server.
  prefix = string.format("wrk-%d-%d-%d", os.time(), math.random(1, 1000000000), id)
end

function request()
  counter = counter + 1
  return wrk.format(nil, "/v1/messages", nil, string.format(template, prefix, counter))
end
