module github.com/counter-current/ccl

go 1.26
