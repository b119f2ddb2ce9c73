module github.com/memfile-go/memfile

go 1.17
