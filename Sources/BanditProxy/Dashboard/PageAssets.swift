/// The dashboard's stylesheet and script, inlined in every page: no external assets, so
/// it works offline and behind any firewall.
enum PageAssets {
    static let style = """
        :root{--bg:#f4f5f8;--card:#fff;--fg:#1b2130;--muted:#5d6677;--line:#e2e5ea;--grid:#eef0f3;
        --blue:#2f6fd6;--green:#14895a;--grey:#7b818c;--amber:#9a6400;--red:#c2362f;--head:#1b2130}
        @media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#181c22;--fg:#e5e8ee;--muted:#9aa3b3;
        --line:#2a3039;--grid:#222831;--head:#0b0d10;--amber:#e0a53a;--red:#ff7a70}}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);
        font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        a{color:var(--blue)}
        .top{display:flex;flex-wrap:wrap;align-items:center;gap:.4em 1.2em;padding:.75em 1.25em;background:var(--head);color:#fff}
        .top h1{margin:0;font-size:1.1em;letter-spacing:.01em}.top h1 a{color:#fff;text-decoration:none}
        .top nav{display:flex;gap:1em;font-size:.85em}.top nav a{color:#c9d3e6}
        .top .status{margin-left:auto;font-size:.8em;color:#b9c2d2;display:flex;gap:.8em;align-items:center}
        .top label{display:flex;gap:.3em;align-items:center;cursor:pointer}
        main{max-width:1240px;margin:0 auto;padding:1em}
        .card{background:var(--card);border-radius:12px;box-shadow:0 1px 2px #0000000d,0 2px 8px #00000012;
        padding:1em 1.25em 1.25em;margin:0 0 1.25em}
        .card-head{display:flex;flex-wrap:wrap;align-items:center;gap:.5em .8em}
        .card-head h2{margin:0;font-size:1.3em;word-break:break-word}.card-head h2 a{color:inherit;text-decoration:none}
        .card-head h2 a:hover{text-decoration:underline}
        .badge{display:inline-block;border-radius:99px;padding:.12em .7em;font-size:.78em;font-weight:600;color:#fff;
        white-space:nowrap}
        .badge.running{background:var(--blue)}.badge.decided{background:var(--green)}.badge.paused{background:var(--grey)}
        .badge.winner{background:var(--green)}.badge.warn{background:var(--amber)}
        .badge.tripped{background:var(--red);white-space:normal}
        .actions{margin-left:auto;display:flex;flex-wrap:wrap;gap:.4em}
        button{font:inherit;font-size:.82em;padding:.32em .85em;border-radius:7px;border:1px solid var(--line);
        background:var(--card);color:var(--fg);cursor:pointer}
        button:hover{border-color:var(--muted)}button:disabled{opacity:.5;cursor:wait}
        button.danger{color:var(--red)}button.small{font-size:.75em;padding:.2em .6em}
        .meta{color:var(--muted);font-size:.88em;margin:.35em 0 0}.meta code{font-size:.95em}
        .warnings{margin:.8em 0 0;padding:.55em .9em;border-left:4px solid var(--amber);background:#f5a52414;
        border-radius:0 8px 8px 0;font-size:.9em}.warnings p{margin:.2em 0}
        .table-wrap{overflow-x:auto;margin-top:.8em}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.92em}
        th,td{text-align:right;padding:.45em .6em;border-bottom:1px solid var(--line);white-space:nowrap}
        th{font-size:.78em;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
        th:first-child,td:first-child{text-align:left}
        tr.win td{background:#14895a12}tr.win td:first-child{font-weight:700}
        .swatch{display:inline-block;width:.75em;height:.75em;border-radius:3px;margin-right:.45em;vertical-align:-.05em}
        .sub{display:block;color:var(--muted);font-size:.8em}
        .meter{display:inline-block;width:56px;height:6px;border-radius:3px;background:var(--grid);margin-left:.5em;
        vertical-align:middle;overflow:hidden}.meter span{display:block;height:100%;border-radius:3px}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,470px),1fr));gap:1em;margin-top:1em}
        .charts.wide{grid-template-columns:1fr}
        figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:.6em .75em .4em;min-width:0}
        figcaption{font-weight:600;font-size:.88em;margin:0 0 .3em}figcaption .sub{display:inline;margin-left:.4em;font-weight:400}
        svg{display:block;width:100%;height:auto;color:var(--fg);overflow:visible}
        svg text{fill:currentColor;font-size:11px;font-family:inherit}
        svg .tick text,svg text.muted{fill:var(--muted)}svg text.value{font-variant-numeric:tabular-nums}
        svg text.label{font-size:12px}svg text.winner{font-weight:700}svg text.panel{fill:var(--muted);font-size:10.5px;
        text-transform:uppercase;letter-spacing:.05em}
        svg .axis{stroke:var(--muted);stroke-width:1}svg .gridline{stroke:var(--grid);stroke-width:1}
        svg .empty-box{fill:var(--grid);fill-opacity:.5;stroke:var(--line);stroke-dasharray:4 4}
        svg .empty-text{fill:var(--muted);font-size:13px}
        .empty-page{text-align:center;color:var(--muted);padding:2.5em 1em}
        .series{max-height:28em;overflow:auto}
        .segments{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26em),1fr));gap:.5em 1.5em}
        .segment h3{margin:.6em 0 .3em;font-size:1em}.segment-chart{max-width:36em}
        .segment-table td,.segment-table th{white-space:nowrap}
        footer{color:var(--muted);font-size:.8em;text-align:center;padding:0 1em 2em}
        .series-table th:nth-child(2),.series-table td:nth-child(2){text-align:left}
        @media (max-width:600px){main{padding:.6em}.card{padding:.8em .85em 1em;border-radius:10px}
        .actions{margin-left:0;width:100%}.top .status{margin-left:0}th,td{padding:.4em .45em}
        .meter,.opt{display:none}
        svg text{font-size:17px}svg text.label{font-size:18px}svg text.panel{font-size:15px}
        svg .empty-text{font-size:20px}}
        """

    /// Admin actions (POST to the JSON API with the credentials the browser already sent)
    /// and a light auto-refresh: every 15 s while the tab is visible, replacing `<main>` so
    /// the scroll position stays.
    static let script = """
        (function(){
        var box=document.getElementById('autorefresh'),last=Date.now(),busy=false;
        function refresh(){
          if(busy||document.hidden||(box&&!box.checked))return;
          busy=true;
          fetch(location.href,{cache:'no-store',credentials:'same-origin'}).then(function(r){
            if(!r.ok)throw new Error(r.status);return r.text();
          }).then(function(t){
            var d=new DOMParser().parseFromString(t,'text/html'),m=d.querySelector('main'),u=d.getElementById('updated');
            if(m)document.querySelector('main').replaceWith(m);
            if(u)document.getElementById('updated').textContent=u.textContent;
            last=Date.now();
          }).catch(function(){}).then(function(){busy=false});
        }
        setInterval(refresh,15000);
        document.addEventListener('visibilitychange',function(){if(!document.hidden&&Date.now()-last>15000)refresh()});
        document.addEventListener('click',function(e){
          var b=e.target.closest&&e.target.closest('button[data-action]');if(!b)return;
          if(b.dataset.confirm&&!window.confirm(b.dataset.confirm))return;
          b.disabled=true;
          var init={method:'POST',credentials:'same-origin',headers:{}};
          if(b.dataset.arm!==undefined){init.headers['Content-Type']='application/json';
            init.body=JSON.stringify({arm:b.dataset.arm});}
          fetch(b.dataset.url,init).then(function(r){
            if(r.ok){location.reload();return}
            return r.text().then(function(t){var m=r.status+'';try{m=JSON.parse(t).error||m}catch(_){}
              alert('Could not '+b.dataset.action+': '+m);b.disabled=false});
          }).catch(function(err){alert('Request failed: '+err);b.disabled=false});
        });
        })();
        """
}
