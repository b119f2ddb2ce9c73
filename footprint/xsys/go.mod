module github.com/memfile-go/memfile/footprint/xsys

go 1.18

require golang.org/x/sys v0.30.0
