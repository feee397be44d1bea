package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/spf13/cobra"
)

func (a *app) loginCmd() *cobra.Command {
	var email, password string
	cmd := &cobra.Command{
		Use:   "login --server URL --email E [--password P]",
		Short: "Log in to meetd and keep the token (0600) in the config dir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			server, err := normalizeServer(a.v.GetString(keyServer))
			if err != nil {
				return err
			}
			if email == "" {
				return errors.New("--email is required")
			}
			if password == "" {
				password, err = readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
				if err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			c := client.New(server)
			res, err := c.Login(ctx, email, password)
			if err != nil {
				if api.CodeOf(err) == api.CodeUnauthorized {
					return errors.New("login refused: wrong e-mail or password")
				}
				return fmt.Errorf("login to %s: %w", server, err)
			}
			path, err := credentialsPath(a.v)
			if err != nil {
				return err
			}
			if err := saveCredentials(path, Credentials{Server: server, Email: email, Token: res.Token,
				Expires: res.Expires, StaffID: res.Staff.ID}); err != nil {
				return fmt.Errorf("saving credentials: %w", err)
			}
			name := res.Staff.Name
			if name == "" {
				name = res.Staff.Email
			}
			tr := a.tr()
			fmt.Fprintln(cmd.OutOrStdout(), tr.T("logged in to %s as %s (%s); token saved in %s", server, name, tr.T(string(res.Staff.Role)), path))
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "your e-mail")
	cmd.Flags().StringVar(&password, "password", "", "password (prompted without echo when not given)")
	return cmd
}

func (a *app) logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the saved token and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := credentialsPath(a.v)
			if err != nil {
				return err
			}
			creds, err := loadCredentials(path)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Second)
			defer cancel()
			if err := client.New(creds.Server, client.WithToken(creds.Token)).Logout(ctx); err != nil &&
				api.CodeOf(err) != api.CodeUnauthorized {
				fmt.Fprintln(cmd.ErrOrStderr(), a.tr().T("warning: could not revoke the token on the server: %v", err))
			}
			if err := os.Remove(path); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), a.tr().T("logged out"))
			return nil
		},
	}
}

// readPassword prompts on the terminal without echo, or reads one line
// from a pipe (scripts).
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(prompt, "Password: ")
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: give --password or type it when asked")
	}
	return line, nil
}

// normalizeServer checks a server URL and drops a trailing slash.
func normalizeServer(s string) (string, error) {
	if s == "" {
		return "", errors.New("--server is required (e.g. http://127.0.0.1:8080)")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("server %q is not an http(s) URL", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// request opens the saved session and a context bounded by cliTimeout for
// a command's API requests.
func (a *app) request(cmd *cobra.Command) (*client.Client, context.Context, context.CancelFunc, error) {
	c, _, err := a.session()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), cliTimeout)
	return c, ctx, cancel, nil
}

// idRun is the RunE of a command whose one argument is a kind id (a
// chat, a call): it parses the id, logs in and runs fn with a context
// bounded by cliTimeout.
func (a *app) idRun(kind string, fn func(ctx context.Context, cmd *cobra.Command, c *client.Client, id int64) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := argID(args[0], kind)
		if err != nil {
			return err
		}
		c, ctx, cancel, err := a.request(cmd)
		if err != nil {
			return err
		}
		defer cancel()
		return fn(ctx, cmd, c, id)
	}
}

// argID parses a command's id argument: "12", or "#12" as lists show it.
func argID(arg, kind string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a %s id", arg, kind)
	}
	return id, nil
}

// session returns a client logged in to the configured server.
func (a *app) session() (*client.Client, Credentials, error) {
	path, err := credentialsPath(a.v)
	if err != nil {
		return nil, Credentials{}, err
	}
	creds, err := loadCredentials(path)
	if err != nil {
		return nil, creds, err
	}
	if s := a.v.GetString(keyServer); s != "" {
		server, err := normalizeServer(s)
		if err != nil {
			return nil, creds, err
		}
		if server != creds.Server {
			return nil, creds, fmt.Errorf("logged in to %s, not %s: run `meet login --server %s --email E`", creds.Server, server, server)
		}
	}
	return client.New(creds.Server, client.WithToken(creds.Token)), creds, nil
}
