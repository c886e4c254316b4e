//go:build race

package e2e

// raceEnabled: the tests run under -race, so the binary is built with it too
// and any data race inside the server fails the test that provoked it.
const raceEnabled = true
