#!lua
-- Writes nothing, but Redis refuses it exactly when it would refuse append.lua (a script that may write):
-- the writer runs it to learn when Redis takes writes again.
return 1
