package prompt

import (
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

func typeRunes(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// A Japanese memo longer than the line scrolls by display cells: the
// cursor (the last cell, after the newest character) stays on screen and
// the line never grows past its width.
func TestJapaneseMemoKeepsTheCursorOnScreen(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	m := New(ctx, Memo, "memo on chat #4", "")
	memo := "お客様から折り返しの依頼。保留中に切断されたため、明日の午前中に再度お電話します。"
	typeRunes(m, memo)
	require.Equal(t, memo, m.Value())
	for _, w := range []int{40, 60, 80} {
		v := m.View(w)
		require.Equal(t, w, ansi.StringWidth(v), "the prompt fills exactly %d cells", w)
		require.Contains(t, v, "お電話します。", "the newest text is shown at width %d", w)
	}
	// home: the start shows, the end is cut
	m.Update(tea.KeyMsg{Type: tea.KeyHome})
	v := m.View(40)
	require.Contains(t, v, "お客様")
	require.Equal(t, 40, ansi.StringWidth(v))
	// moving right through wide characters keeps the cursor visible
	for i := 0; i < 30; i++ {
		m.Update(tea.KeyMsg{Type: tea.KeyRight})
		require.Equal(t, 40, ansi.StringWidth(m.View(40)))
		cur := string([]rune(memo)[i+1])
		require.Contains(t, m.View(40), cur, "cursor character %d on screen", i+1)
	}
}

func TestTabCyclesChoicesAndCompletions(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	m := New(ctx, Dial, "call a number", "")
	m.Choices = []Choice{{1, "Support"}, {2, "Sales"}}
	require.Contains(t, m.View(80), "from Support (tab: other channel)")
	m.Update(tea.KeyMsg{Type: tea.KeyTab})
	require.Equal(t, int64(2), m.Choice().ID)
	require.Contains(t, m.View(80), "from Sales")
	typeRunes(m, "0311112222")
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	s := cmd().(SubmitMsg)
	require.Equal(t, "Sales", s.Choice.Label)

	f := New(ctx, Filter, "filter", "")
	f.Complete = func(text string) []string {
		var out []string
		for _, c := range []string{"reason:noOperator", "reason:userLeft", "tag:"} {
			if strings.HasPrefix(c, text) {
				out = append(out, c)
			}
		}
		return out
	}
	typeRunes(f, "reason:")
	f.Update(tea.KeyMsg{Type: tea.KeyTab})
	require.Equal(t, "reason:noOperator", f.Value())
	f.Update(tea.KeyMsg{Type: tea.KeyTab})
	require.Equal(t, "reason:userLeft", f.Value())
}
