module github.com/counter-current/ccl

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.50.0
