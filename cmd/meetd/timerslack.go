package main

// meetd sleeps with a 1 ms timer slack (see internal/timerslack).
import _ "github.com/meet-dev/meet/internal/timerslack"
