package i18n

// japanese is the Japanese table: English format → Japanese format. The
// vocabulary follows the reference FAQ (不在着信, 折り返し, 保留, 転送,
// メモ, タグ, 対応中…).
var japanese = map[string]string{
	"chat #%d closed": "チャット #%d をクローズしました",
}
