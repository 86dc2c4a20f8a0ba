package admin_test

import (
	"fmt"

	"github.com/easlab/easlab/simulator/admin"
)

func ExampleFilterSchema() {
	type phone struct {
		ID, Model string
		Enabled   bool
	}
	schema := admin.NewFilterSchema(
		admin.StringProp("DeviceId", func(p *phone) string { return p.ID }),
		admin.StringProp("DeviceModel", func(p *phone) string { return p.Model }),
		admin.BoolProp("Enabled", func(p *phone) bool { return p.Enabled }),
	)
	match, err := schema.Parse("DeviceModel -like 'iPhone*' -and -not Enabled -eq $false")
	if err != nil {
		panic(err)
	}
	for _, p := range []phone{{"IPH1", "iPhone15C2", true}, {"IPH2", "iPhone12", false}, {"AND1", "Pixel 8", true}} {
		fmt.Println(p.ID, match(&p))
	}

	_, err = schema.Parse("DeviceType -eq 'iPhone'")
	fe := err.(*admin.FilterError)
	fmt.Println(fe.Pos, fe.Msg)
	// Output:
	// IPH1 true
	// IPH2 false
	// AND1 false
	// 1 "DeviceType" is not a recognized filterable property. Valid property names are: DeviceId, DeviceModel, Enabled. "DeviceType -eq 'iPhone'" at position 1.
}
