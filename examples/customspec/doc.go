// Package customspec shows how a vendor writes its own scenario with the
// harness, in its own repository, next to the ones `easlab test` runs:
// a Ginkgo suite that configures the harness with its product and uses
// Env, phones, the MFA provider and the matchers. See customspec_test.go.
package customspec
