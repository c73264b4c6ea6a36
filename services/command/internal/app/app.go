// Package app holds the command service's use cases, one per file.
package app
