module github.com/memfile-go/memfile/bench/xsys

go 1.18

require (
	github.com/memfile-go/memfile v0.0.0
	golang.org/x/sys v0.30.0
)

replace github.com/memfile-go/memfile => ../..
