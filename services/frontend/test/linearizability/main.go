// Checks a recorded history of operations on one book, made through several frontend pods, for linearizability
// (DESIGN I12) with porcupine. Usage: go run . history.json [visualization.html]. Exit 0: linearizable; 1: not
// (the visualization, if asked for, shows where); 2: the history could not be read or checked in time.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// book is the model's state: the book's price in cents and its stock.
type book struct {
	Cents    int64
	Quantity int64
}

// input is one operation as a client sent it.
type input struct {
	Kind  string `json:"kind"` // read | price | quantity | delta | buy
	Value int64  `json:"value"`
}

// output is what the client was answered: ok, a refusal that changed nothing, or no known outcome.
type output struct {
	Outcome  string `json:"outcome"` // ok | sold_out | insufficient_stock | unknown
	Cents    int64  `json:"cents"`
	Quantity int64  `json:"quantity"`
}

type recorded struct {
	Client int    `json:"client"`
	Input  input  `json:"input"`
	Output output `json:"output"`
	Call   int64  `json:"call"`
	Return int64  `json:"return"`
}

type history struct {
	Init book       `json:"init"`
	Ops  []recorded `json:"ops"`
}

func step(state, in, out interface{}) (bool, interface{}) {
	s := state.(book)
	i := in.(input)
	o := out.(output)
	switch i.Kind {
	case "read":
		return o.Cents == s.Cents && o.Quantity == s.Quantity, s
	case "price":
		return true, book{Cents: i.Value, Quantity: s.Quantity}
	case "quantity":
		return true, book{Cents: s.Cents, Quantity: i.Value}
	case "delta":
		if o.Outcome == "unknown" && s.Quantity+i.Value < 0 {
			return true, s // it may have been refused
		}
		if o.Outcome == "insufficient_stock" {
			return s.Quantity+i.Value < 0, s
		}
		return s.Quantity+i.Value >= 0, book{Cents: s.Cents, Quantity: s.Quantity + i.Value}
	case "buy":
		if o.Outcome == "unknown" && s.Quantity == 0 {
			return true, s // it may have found the book sold out
		}
		if o.Outcome == "sold_out" {
			return s.Quantity == 0, s
		}
		return s.Quantity > 0, book{Cents: s.Cents, Quantity: s.Quantity - 1}
	}
	return false, s
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: linearizability history.json [visualization.html]")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var h history
	if err := json.Unmarshal(raw, &h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ops := make([]porcupine.Operation, 0, len(h.Ops))
	for _, r := range h.Ops {
		ops = append(ops, porcupine.Operation{ClientId: r.Client, Input: r.Input, Output: r.Output, Call: r.Call, Return: r.Return})
	}
	model := porcupine.Model{
		Init: func() interface{} { return h.Init },
		Step: step,
		DescribeOperation: func(in, out interface{}) string {
			i, o := in.(input), out.(output)
			if i.Kind == "read" {
				return fmt.Sprintf("read → %d¢, %d left", o.Cents, o.Quantity)
			}
			return fmt.Sprintf("%s(%d) → %s", i.Kind, i.Value, o.Outcome)
		},
		DescribeState: func(state interface{}) string {
			s := state.(book)
			return fmt.Sprintf("%d¢, %d left", s.Cents, s.Quantity)
		},
	}
	result, info := porcupine.CheckOperationsVerbose(model, ops, 60*time.Second)
	switch result {
	case porcupine.Ok:
		fmt.Printf("linearizable: %d operations\n", len(ops))
	case porcupine.Illegal:
		fmt.Printf("NOT linearizable: %d operations\n", len(ops))
		if len(os.Args) > 2 {
			if err := porcupine.VisualizePath(model, info, os.Args[2]); err == nil {
				fmt.Printf("visualization: %s\n", os.Args[2])
			}
		}
		os.Exit(1)
	default:
		fmt.Printf("undecided within the time limit: %d operations\n", len(ops))
		os.Exit(2)
	}
}
