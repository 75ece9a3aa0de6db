<?php
/*
 * Router for `php -S 127.0.0.1:PORT -t /usr/share/wordpress router.php` (ham-archive test harness).
 *
 * - selects the per-instance Debian config (/etc/wordpress/config-$HAM_WP_CONFIG.php) by setting
 *   $_SERVER['WORDPRESS_CONFIG'] from the server's environment, so several sites share one
 *   WordPress install;
 * - serves /wp-content/... from the instance's own WP_CONTENT_DIR ($HAM_WP_CONTENT);
 * - lets the built-in server send other existing static files, runs existing .php files itself,
 *   and sends everything else (pretty permalinks, /robots.txt, /wp-sitemap.xml, /feed/, ...)
 *   to WordPress's index.php.
 */
$cfg = getenv('HAM_WP_CONFIG');
if ($cfg !== false && $cfg !== '') {
    $_SERVER['WORDPRESS_CONFIG'] = $cfg;
}
$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');

$content = getenv('HAM_WP_CONTENT');
if ($content && strpos($path, '/wp-content/') === 0) {
    $base = realpath($content);
    $file = realpath($content . substr($path, strlen('/wp-content')));
    if ($file !== false && is_file($file) && strpos($file, $base) === 0 && substr($file, -4) !== '.php') {
        $types = ['css' => 'text/css', 'js' => 'application/javascript', 'json' => 'application/json',
            'svg' => 'image/svg+xml', 'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg',
            'gif' => 'image/gif', 'webp' => 'image/webp', 'woff2' => 'font/woff2', 'woff' => 'font/woff',
            'pdf' => 'application/pdf', 'txt' => 'text/plain', 'xml' => 'application/xml'];
        $ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
        header('Content-Type: ' . ($types[$ext] ?? 'application/octet-stream'));
        header('Content-Length: ' . filesize($file));
        readfile($file);
        return true;
    }
    // Not an existing file: WordPress answers with its 404 page below.
}

$file = $root . $path;
if ($path !== '/' && is_dir($file) && is_file(rtrim($file, '/') . '/index.php')) {
    $file = rtrim($file, '/') . '/index.php';
}
if ($path !== '/' && is_file($file) && strpos(realpath($file), $root) === 0) {
    if (substr($file, -4) !== '.php') {
        return false; // static file: the built-in server sends it
    }
    $script = substr($file, strlen($root));
    $_SERVER['SCRIPT_NAME'] = $script;
    $_SERVER['PHP_SELF'] = $script;
    $_SERVER['SCRIPT_FILENAME'] = $file;
    chdir(dirname($file));
    require $file;
    return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir($root);
require $root . '/index.php';
return true;
