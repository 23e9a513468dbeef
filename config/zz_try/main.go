package main

import (
	"fmt"
	"os"

	"bantin/config"
)

func main() {
	data, _ := os.ReadFile(os.Args[1])
	_, err := config.Parse(data, "t.yaml")
	fmt.Println(err)
}
