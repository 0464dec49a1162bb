package admin

import (
	"context"
	"strings"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/admin/hwapi"
)

// App ACLs (seed 001: PUT /v2/{project_id}/apigw/instances/{instance_id}/
// apps/{app_id}/app-acl, app_acl_type PERMIT or DENY, app_acl_values "支持
// IP、IP范围和CIDR方式。IP范围以英文中划线分隔"): where an app (apps.go) may
// call from. The Action API has no such thing; the app record carries it
// (AclType WHITE/BLACK, AclData as an IP strategy's list) and the edge
// refuses an app's call from elsewhere with 403 IPForbidden, on every API
// the app calls, after a publish (every change here publishes).

func init() { registerHW(hwAppACLRoutes) }

func hwAppACLRoutes(a *Admin) []hwapi.Route {
	p := hwapi.Instance + "/apps/{app_id}/app-acl"
	return []hwapi.Route{
		{Method: "PUT", Pattern: p, Handle: a.hwPutAppACL},
		{Method: "GET", Pattern: p, Handle: a.hwShowAppACL},
		{Method: "DELETE", Pattern: p, Handle: a.hwDeleteAppACL},
	}
}

// hwAppACL is the seed's 表4: app_id, app_acl_type, app_acl_values.
type hwAppACL struct {
	AppId  string   `json:"app_id"`
	Type   string   `json:"app_acl_type"`
	Values []string `json:"app_acl_values"`
}

func appACLView(ap *appRecord) hwAppACL {
	v := hwAppACL{AppId: ap.ApiAppId, Values: []string{}}
	if ap.AclType != "" {
		v.Type = hwACLType(ap.AclType)
		v.Values = strings.Split(ap.AclData, ";")
	}
	return v
}

// updateApp changes an app in one write that publishes (404 APIG.3004).
func (a *Admin) updateApp(id string, fn func(ap *appRecord) error) (appRecord, error) {
	var out appRecord
	err := apiApps.update(a, id, func(_ *buntdb.Tx, ap *appRecord) (bool, error) {
		if err := fn(ap); err != nil {
			return false, err
		}
		ap.ModifiedTime = a.now()
		out = *ap
		return true, nil
	})
	return out, hwError(err)
}

func (a *Admin) hwPutAppACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var in struct {
		Type   string   `json:"app_acl_type"`
		Values []string `json:"app_acl_values"`
	}
	if err := c.Bind(&in); err != nil {
		return hwapi.Reply{}, err
	}
	typ := aclTypes[in.Type]
	if typ == "" {
		return hwapi.Reply{}, hwapi.BadParameter("app_acl_type", "want PERMIT or DENY")
	}
	if len(in.Values) == 0 {
		return hwapi.Reply{}, hwapi.BadParameter("app_acl_values", "the parameter is required: IPs, IP ranges (a-b) or CIDRs")
	}
	for _, v := range in.Values {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, ";,\r\n") {
			return hwapi.Reply{}, hwapi.BadParameter("app_acl_values", "each value is one IP, IP range (a-b) or CIDR")
		}
	}
	data := strings.Join(in.Values, ";")
	// The same list rules as an IP strategy's.
	if err := checkStrategyData(typ, data); err != nil {
		return hwapi.Reply{}, hwapi.BadParameter("app_acl_values", err.Error())
	}
	ap, err := a.updateApp(c.Path("app_id"), func(ap *appRecord) error {
		ap.AclType, ap.AclData = typ, data
		return nil
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	// The seed's status for this operation is 201.
	return hwapi.Created(appACLView(&ap)), nil
}

func (a *Admin) hwShowAppACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	var ap appRecord
	err := a.db.View(func(tx *buntdb.Tx) (err error) { ap, err = apiApps.get(tx, c.Path("app_id")); return })
	if err != nil {
		return hwapi.Reply{}, hwError(err)
	}
	return hwapi.OK(appACLView(&ap)), nil
}

func (a *Admin) hwDeleteAppACL(_ context.Context, c *hwapi.Call) (hwapi.Reply, error) {
	_, err := a.updateApp(c.Path("app_id"), func(ap *appRecord) error {
		ap.AclType, ap.AclData = "", ""
		return nil
	})
	if err != nil {
		return hwapi.Reply{}, err
	}
	return hwapi.NoContent(), nil
}
