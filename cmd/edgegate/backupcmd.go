package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/edgegate/edgegate/admin"
)

// adminBackupCmd runs `edgegate admin backup` and `edgegate admin restore`
// (admin/backup.go; README "Several control planes").
func adminBackupCmd(verb string, args []string) error {
	fs := flag.NewFlagSet("admin "+verb, flag.ContinueOnError)
	data := fs.String("data", "./data", "the admin's data directory")
	keyFile := fs.String("secret-key-file", "", "the master key file (--secret-key-file of the admin): backup includes it, restore writes it there")
	out := fs.String("out", "", "backup: the archive to write (mode 0600; it holds secrets)")
	in := fs.String("in", "", "restore: the archive to read")
	force := fs.Bool("force", false, "restore: replace a store that holds data")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger()
	switch verb {
	case "backup":
		if *out == "" {
			return errors.New("admin backup: --out is required")
		}
		info, err := admin.Backup(*data, *out, *keyFile, log)
		if err != nil {
			return err
		}
		fmt.Printf("backup of %s at revision %d written to %s (master key included: %v)\n", *data, info.Revision, *out, info.SecretKey)
	case "restore":
		if *in == "" {
			return errors.New("admin restore: --in is required")
		}
		rev, err := admin.Restore(*data, *in, admin.RestoreOptions{SecretKeyFile: *keyFile, Force: *force, Log: log})
		if err != nil {
			return err
		}
		fmt.Printf("restored %s into %s; revision now %d (edges follow it)\n", *in, *data, rev)
	}
	return nil
}

// adminRekeyCmd runs `edgegate admin rekey` (admin/rekey.go; README
// "Secrets"): the master key of a stopped admin's store is replaced.
func adminRekeyCmd(args []string) error {
	fs := flag.NewFlagSet("admin rekey", flag.ContinueOnError)
	data := fs.String("data", "./data", "the admin's data directory (the admin must be stopped)")
	oldFile := fs.String("secret-key-file", "", "the current master key file (empty: the store is in clear)")
	newFile := fs.String("new-secret-key-file", "", "the new master key file (created with a random key when absent)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin rekey: unexpected argument %q", fs.Arg(0))
	}
	n, err := admin.Rekey(*data, *oldFile, *newFile, newLogger())
	if err != nil {
		return err
	}
	fmt.Printf("%d secrets of %s sealed with the key in %s; start the admin with --secret-key-file %s\n", n, *data, *newFile, *newFile)
	return nil
}
