// Package automation runs the post-call rules of SPEC §3: conditions on a
// finished call → actions (send an SMS from a template, add a tag, close the
// chat), and the durable SMS outbox with its HTTP sender.
//
// Evaluation is pure (Plan); the Runner carries the plan out through the store.
package automation

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

// Facts are what a rule can look at when a call ends.
type Facts struct {
	Call     api.Call
	Chat     api.Chat
	Customer api.Customer
	TeamID   int64
	// ChatURL and SurveyURL fill the template variables of the same names.
	ChatURL   string
	SurveyURL string
}

// Step is one action to carry out, with its template already rendered.
type Step struct {
	Rule    int64  // automation id
	Name    string // automation name
	Type    string // sms, tag, close
	Tag     string
	SMSBody string
}

// Validate checks an automation before it is stored.
func Validate(a api.Automation) error {
	if strings.TrimSpace(a.Name) == "" {
		return api.Errorf(api.CodeBadRequest, "automation needs a name")
	}
	switch a.When.Direction {
	case "", api.Inbound, api.Outbound:
	default:
		return api.Errorf(api.CodeBadRequest, "automation %q: direction %q: want inbound or outbound", a.Name, a.When.Direction)
	}
	switch a.When.Outcome {
	case "", "answered", "missed":
	default:
		return api.Errorf(api.CodeBadRequest, "automation %q: outcome %q: want answered or missed", a.Name, a.When.Outcome)
	}
	for _, r := range a.When.Reasons {
		if !r.Valid() {
			return api.Errorf(api.CodeBadRequest, "automation %q: unknown missed reason %q", a.Name, r)
		}
	}
	if a.When.MenuPath != "" && !api.ValidMenuPath(a.When.MenuPath) {
		return api.Errorf(api.CodeBadRequest, "automation %q: menu_path %q: want keys (0-9, *, #) joined by /, e.g. 1/2", a.Name, a.When.MenuPath)
	}
	if len(a.Actions) == 0 {
		return api.Errorf(api.CodeBadRequest, "automation %q has no actions", a.Name)
	}
	for i, s := range a.Actions {
		switch s.Type {
		case "sms":
			if strings.TrimSpace(s.Template) == "" {
				return api.Errorf(api.CodeBadRequest, "automation %q action %d: sms needs a template", a.Name, i+1)
			}
			if err := checkTemplate(s.Template); err != nil {
				return api.Errorf(api.CodeBadRequest, "automation %q action %d: %v", a.Name, i+1, err)
			}
		case "tag":
			if strings.TrimSpace(s.Tag) == "" {
				return api.Errorf(api.CodeBadRequest, "automation %q action %d: tag needs a tag", a.Name, i+1)
			}
		case "close":
		default:
			return api.Errorf(api.CodeBadRequest, "automation %q action %d: type %q: want sms, tag or close", a.Name, i+1, s.Type)
		}
	}
	return nil
}

// Matches reports whether a rule's conditions hold for the facts.
func Matches(c api.AutomationCond, f Facts) bool {
	if c.Direction != "" && c.Direction != f.Call.Direction {
		return false
	}
	answered := f.Call.Answered != nil
	switch c.Outcome {
	case "answered":
		if !answered {
			return false
		}
	case "missed":
		if answered || f.Call.MissedReason == api.ReasonNone {
			return false
		}
	}
	if len(c.Reasons) > 0 && !slices.Contains(c.Reasons, f.Call.MissedReason) {
		return false
	}
	if c.TeamID != 0 && c.TeamID != f.TeamID {
		return false
	}
	if c.MenuPath != "" && f.Chat.MenuPath != c.MenuPath && !strings.HasPrefix(f.Chat.MenuPath, c.MenuPath+"/") {
		return false
	}
	tags := f.Customer.Tags
	for _, t := range c.TagsInclude {
		if !slices.Contains(tags, t) {
			return false
		}
	}
	for _, t := range c.TagsExclude {
		if slices.Contains(tags, t) {
			return false
		}
	}
	return true
}

// Plan evaluates the enabled rules in order and returns the steps to run.
func Plan(rules []api.Automation, f Facts) []Step {
	var steps []Step
	for _, r := range rules {
		if !r.Enabled || !Matches(r.When, f) {
			continue
		}
		for _, a := range r.Actions {
			s := Step{Rule: r.ID, Name: r.Name, Type: a.Type, Tag: a.Tag}
			if a.Type == "sms" {
				s.SMSBody = Render(a.Template, f)
			}
			steps = append(steps, s)
		}
	}
	return steps
}

// Template variables, written {{name}} in a template.
var variables = map[string]func(Facts) string{
	"customer_name":   func(f Facts) string { return f.Customer.Name },
	"customer_number": func(f Facts) string { return f.Customer.Number },
	"chat_url":        func(f Facts) string { return f.ChatURL },
	"survey_url":      func(f Facts) string { return f.SurveyURL },
	"call_started":    func(f Facts) string { return clock(&f.Call.Created) },
	"call_answered":   func(f Facts) string { return clock(f.Call.Answered) },
	"call_ended":      func(f Facts) string { return clock(f.Call.Ended) },
	"missed_reason":   func(f Facts) string { return string(f.Call.MissedReason) },
}

func clock(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}

// Render fills {{variables}} of a template.
func Render(tpl string, f Facts) string {
	var b strings.Builder
	for {
		i := strings.Index(tpl, "{{")
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		j := strings.Index(tpl[i:], "}}")
		if j < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		name := strings.TrimSpace(tpl[i+2 : i+j])
		if v, ok := variables[name]; ok {
			b.WriteString(v(f))
		}
		tpl = tpl[i+j+2:]
	}
}

func checkTemplate(tpl string) error {
	for {
		i := strings.Index(tpl, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(tpl[i:], "}}")
		if j < 0 {
			return fmt.Errorf("template: unclosed {{")
		}
		name := strings.TrimSpace(tpl[i+2 : i+j])
		if _, ok := variables[name]; !ok {
			names := make([]string, 0, len(variables))
			for k := range variables {
				names = append(names, k)
			}
			slices.Sort(names)
			return fmt.Errorf("template: unknown variable {{%s}} (known: %s)", name, strings.Join(names, ", "))
		}
		tpl = tpl[i+j+2:]
	}
}
