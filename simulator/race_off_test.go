//go:build !race

package simulator_test

// raceDetector: see race_on_test.go.
const raceDetector = false
