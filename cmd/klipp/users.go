package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

func (a *cli) usersCommand() *cobra.Command {
	c := &cobra.Command{Use: "users", Short: "People and their roles: add, list, set-role, whoami"}
	var role, name string
	add := &cobra.Command{
		Use:   "add LOGIN --role analyst|investigator|archivist|admin [--name \"…\"]",
		Short: "Add a person (admin); with PostgreSQL also their login, password from KLIPP_PASSWORD or a prompt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := app.ParseRole(role)
			if err != nil {
				return err
			}
			req := app.AddUserRequest{Login: args[0], Role: r, Name: name}
			if svc.Store().Dialect() == store.Postgres {
				if req.Password, err = a.password(args[0]); err != nil {
					return err
				}
			}
			u, err := svc.AddUser(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.emit(u, func(w io.Writer) { fmt.Fprintf(w, "added %s as %s\n", u.Login, u.Role) })
		},
	}
	add.Flags().StringVar(&role, "role", "", "analyst, investigator, archivist or admin")
	add.Flags().StringVar(&name, "name", "", "the person's name, as shown to others")
	list := &cobra.Command{
		Use:   "list",
		Short: "List people and their roles (admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			us, err := svc.Users(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(us, func(w io.Writer) {
				rows := [][]string{{"LOGIN", "ROLE", "NAME", "ADDED", "BY"}}
				for _, u := range us {
					rows = append(rows, []string{u.Login, string(u.Role), u.Name, a.show(u.Created), u.CreatedBy})
				}
				table(w, rows)
			})
		},
	}
	setRole := &cobra.Command{
		Use:   "set-role LOGIN ROLE",
		Short: "Give a person another role (admin)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := app.ParseRole(args[1])
			if err != nil {
				return err
			}
			u, err := svc.SetRole(cmd.Context(), app.SetRoleRequest{Login: args[0], Role: r})
			if err != nil {
				return err
			}
			return a.emit(u, func(w io.Writer) { fmt.Fprintf(w, "%s is now %s\n", u.Login, u.Role) })
		},
	}
	whoami := &cobra.Command{
		Use:   "whoami",
		Short: "Who klipp takes you for, and your roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			me, err := svc.Me(cmd.Context())
			if err != nil {
				return err
			}
			return a.emit(me, func(w io.Writer) {
				roles := make([]string, len(me.Roles))
				for i, r := range me.Roles {
					roles[i] = string(r)
				}
				note := ""
				if me.Bootstrap {
					note = " (nobody is listed yet, or you own the store)"
				}
				fmt.Fprintf(w, "%s: %s%s\n", me.Login, strings.Join(roles, ", "), note)
			})
		},
	}
	c.AddCommand(add, list, setRole, whoami)
	return c
}

// password is a new login's password: $KLIPP_PASSWORD, or typed twice on
// the terminal without echo, or one line of stdin. It is never printed.
func (a *cli) password(login string) (string, error) {
	if pw := os.Getenv("KLIPP_PASSWORD"); pw != "" {
		return pw, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if pw := strings.TrimRight(line, "\r\n"); pw != "" {
			return pw, nil
		}
		if err != nil && err != io.EOF {
			return "", err
		}
		return "", nil // an existing login keeps its password
	}
	fmt.Fprintf(a.stderr, "password for %s: ", login)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(a.stderr, "again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	if string(pw) != string(again) {
		return "", fault.Usagef("the passwords differ; nothing was changed")
	}
	return string(pw), nil
}
