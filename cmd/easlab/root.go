package main

import "github.com/spf13/cobra"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "easlab",
		Short: "An Exchange ActiveSync lab: fake Exchange, simulated devices, MFA test harness",
		Long: `easlab is an Exchange ActiveSync (EAS) lab for vendors and developers of
ActiveSync MFA agents and gateways: a fake Exchange that speaks real WBXML,
simulated phones, and scenarios that exercise a product against realistic
device flows.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newWBXMLCmd(), newServeCmd(), newAdminCmd(), newDeviceCmd(), newFleetCmd(), newTestCmd(), newStateCmd(), newVersionCmd(), newMFACmd())
	return root
}
