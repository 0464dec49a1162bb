// Package model holds the API definitions that both planes share: services,
// APIs and their backends as the seed's Action API (version 2018-08-08)
// names them, and Published, the set of releases that one snapshot compiles.
//
// Field names are the wire names of the seed's data structures (seed 000,
// 数据结构: ApiInfo, RequestConfig, ServiceConfig, ReqParameter, ...), so a
// value decoded from an Action request or from a --config file is the same
// value the router compiles.
//
// Threading: values are plain data. Once a Published is handed to a compile
// it must not be mutated.
//
// Imports: the standard library and sigs.k8s.io/yaml only; never edge, admin,
// router or any other project package.
package model
