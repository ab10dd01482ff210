-- Run after the README's init.lua has opened a Python file: wait for modelreg's diagnostics, write them
-- (and the attached clients' names) as JSON to $MODELREG_NVIM_OUT, quit.
local out = os.getenv("MODELREG_NVIM_OUT")
local buf = vim.api.nvim_get_current_buf()
local ok = vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 100)
local clients = {}
for _, c in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
  table.insert(clients, c.name)
end
local diags = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(diags, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    code = d.code, source = d.source, message = d.message, severity = d.severity,
  })
end
local f = assert(io.open(out, "w"))
f:write(vim.json.encode({ waited = ok, filetype = vim.bo[buf].filetype, clients = clients, diagnostics = diags }))
f:close()
vim.cmd("qall!")
