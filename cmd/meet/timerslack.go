package main

// meet sleeps with a 1 ms timer slack (see internal/timerslack). In a call
// meet phone wakes from idle several times every 20 ms (a microphone
// frame, a packet), and Go's sysmon then polled every ~100 µs for as long
// as anything ran: two thirds of the process's wake-ups and a quarter of
// its CPU (BenchmarkMeetPhoneCPU: perf, and the voluntary context switches
// of each thread, 1013 of 1532/s were sysmon's).
import _ "github.com/meet-dev/meet/internal/timerslack"
