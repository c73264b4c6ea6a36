module github.com/altisair/altis/deploy

go 1.26.8
