-- Run after the README's init.lua has opened a Python file: wait for modelreg's diagnostics, ask the server
-- for the quick fixes at the first one, apply the one titled $MODELREG_NVIM_FIX, save everything, wait for
-- the diagnostics to go, and write what happened as JSON to $MODELREG_NVIM_OUT. Then quit.
local out = os.getenv("MODELREG_NVIM_OUT")
local wanted = os.getenv("MODELREG_NVIM_FIX")
local buf = vim.api.nvim_get_current_buf()
local report = { filetype = vim.bo[buf].filetype, clients = {}, diagnostics = {}, actions = {} }

report.waited = vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 100)
for _, c in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
  table.insert(report.clients, c.name)
end
local diags = vim.diagnostic.get(buf)
for _, d in ipairs(diags) do
  table.insert(report.diagnostics, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    code = d.code, source = d.source, message = d.message, severity = d.severity,
  })
end

if #diags > 0 then
  local lsp = diags[1].user_data.lsp -- the diagnostic as the server sent it
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = lsp.range,
    context = { diagnostics = { lsp } },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 20000) or {}
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(report.actions, action.title)
      if action.title == wanted and action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
        report.applied = true
      end
    end
  end
  if report.applied then
    vim.cmd("silent wall")
    report.cleared = vim.wait(30000, function()
      return #vim.diagnostic.get(buf) == 0
    end, 100)
  end
end

local f = assert(io.open(out, "w"))
f:write(vim.json.encode(report))
f:close()
vim.cmd("qall!")
