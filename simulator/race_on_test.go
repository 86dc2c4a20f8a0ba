//go:build race

package simulator_test

// raceDetector: the race detector multiplies memory use, so the hostile
// tests' resident-size bounds are not asserted under it (their other
// promises are).
const raceDetector = true
