package nseval

// Score is what the evaluation reports for one processed mixture.
type Score struct {
	STOI   float64 // against the clean speech
	SegSNR float64 // dB
	SNRi   float64 // dB, improvement over the unprocessed mixture
	Level  float64 // dB, speech-active level of the output over the clean input's
}

// Score scores y, the time-aligned output for mixture m.
func (m Mixture) Score(y []float64, rate int) (Score, error) {
	d, err := STOI(m.Clean, y, rate)
	if err != nil {
		return Score{}, err
	}
	return Score{
		STOI:   d,
		SegSNR: SegSNR(m.Clean, y, rate),
		SNRi:   SNR(m.Clean, y) - SNR(m.Clean, m.Noisy),
		Level:  ActiveLevel(m.Clean, y, rate) - ActiveLevel(m.Clean, m.Clean, rate),
	}, nil
}
