module github.com/easlab/easlab

go 1.26

require (
	github.com/beevik/etree v1.8.1
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/emersion/go-message v0.18.2 // indirect
	github.com/gorilla/mux v1.8.1 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/text v0.14.0 // indirect
)
