//go:build !race

package softphone

const raceEnabled = false
