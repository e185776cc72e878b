package caddymodule

// Temporary: keeps go.mod stable while the internal packages are written.
import (
	_ "github.com/patrickmn/go-cache"
	_ "github.com/redis/go-redis/v9"
	_ "go.uber.org/zap"
	_ "golang.org/x/sync/singleflight"
)
