module github.com/altisair/altis/services/gateway

go 1.26.8

require github.com/altisair/altis/pkg v0.0.0

replace github.com/altisair/altis/pkg => ../../pkg
